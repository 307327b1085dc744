import type { DraftStep } from './plan.ts';

/** Steps a plan can do without: an invitation is sent only when a mail plugin can send it. */
const OPTIONAL = new Set(['email.send_invitation']);
const PLUGIN_OF: Record<string, string> = {
  calendar: 'calendar',
  email: 'email',
  reminders: 'reminders',
  lists: 'lists',
  contacts: 'contacts',
};

/**
 * The plan as the enabled plugins can carry it out: optional steps no plugin runs are dropped
 * (and said so); when a needed one is missing there is no plan, and the user is told what to enable.
 */
export function withAvailablePlugins(
  steps: DraftStep[],
  available: Set<string>,
): { steps: DraftStep[]; reasoning: string[] } {
  const missing = steps.filter((s) => !available.has(s.action));
  if (missing.length === 0) return { steps, reasoning: [] };
  const plugin = (action: string) => PLUGIN_OF[action.split('.')[0] ?? ''] ?? action.split('.')[0];
  if (missing.every((s) => OPTIONAL.has(s.action)))
    return {
      steps: steps.filter((s) => available.has(s.action)),
      reasoning: missing.map(
        (s) => `No ${plugin(s.action)} plugin is enabled, so I will not ${s.why} ("aura plugins list").`,
      ),
    };
  const names = [...new Set(missing.map((s) => plugin(s.action)))];
  return {
    steps: [],
    reasoning: [
      `No enabled plugin can ${missing.map((s) => s.action).join(', ')}: enable ${names.join(' and ')} ("aura plugins list").`,
    ],
  };
}
