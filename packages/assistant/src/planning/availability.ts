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

/** Plugins that need an account set up first, and the command that does it. */
const SETUP: Record<string, string> = {
  email: 'aura plugins add email --smtp HOST:PORT --username U',
};

/** What to tell a user whose plugins cannot carry something out. */
export function missingPlugin(plugin: string, what?: string): string {
  const how = SETUP[plugin]
    ? `set up ${plugin} with "${SETUP[plugin]}" (or "aura plugins add caldav|google|mcp" for other integrations)`
    : `enable it with "aura plugins enable ${plugin}"`;
  return `No enabled plugin can ${what ?? `do this (it needs ${plugin})`}: ${how}.`;
}

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
        (s) =>
          `No ${plugin(s.action)} plugin is enabled, so I will not ${s.why} (${SETUP[plugin(s.action) ?? ''] ? `"${SETUP[plugin(s.action) ?? '']}"` : `"aura plugins enable ${plugin(s.action)}"`} adds it).`,
      ),
    };
  const names = [...new Set(missing.map((s) => plugin(s.action)))];
  return {
    steps: [],
    reasoning: names.map((n) =>
      missingPlugin(
        n as string,
        missing
          .filter((s) => plugin(s.action) === n)
          .map((s) => s.action)
          .join(', '),
      ),
    ),
  };
}
