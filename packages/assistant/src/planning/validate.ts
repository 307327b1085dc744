import { type ActionSpec, actionByName } from '../actions.ts';
import type { ProposedStep } from '../providers/types.ts';
import type { DraftStep, PlanStep } from './plan.ts';

/** Whether steps can run in some order: each one's dependencies come before it. */
function acyclic(steps: { id: string; dependsOn: string[] }[]): boolean {
  const done = new Set<string>();
  while (done.size < steps.length) {
    const ready = steps.filter((s) => !done.has(s.id) && s.dependsOn.every((d) => done.has(d)));
    if (ready.length === 0) return false;
    for (const s of ready) done.add(s.id);
  }
  return true;
}

/** Checks a model-made plan against the action schemas; returns why it is unusable, or nothing. */
export function checkProposedPlan(
  steps: ProposedStep[],
  specs: Map<string, ActionSpec> = actionByName,
): string | undefined {
  if (!Array.isArray(steps) || steps.length === 0 || steps.length > 20) return 'it is empty or too long';
  const ids = new Set<string>();
  for (const step of steps) {
    if (typeof step?.id !== 'string' || ids.has(step.id)) return 'its step ids are missing or repeated';
    ids.add(step.id);
    const spec = specs.get(step.action);
    if (!spec) return `it uses an unknown action "${String(step.action)}"`;
    if (typeof step.params !== 'object' || step.params === null) return `${step.id} has no parameters`;
    for (const [key, value] of Object.entries(step.params)) {
      const type = spec.params[key];
      if (!type) return `${step.action} has no parameter "${key}"`;
      if (type === 'datetime' && value !== null && (typeof value !== 'string' || Number.isNaN(Date.parse(value))))
        return `${key} is not a date`;
      if (type === 'number' && value !== null && typeof value !== 'number') return `${key} is not a number`;
    }
    if (!Array.isArray(step.dependsOn)) return `${step.id} has no dependency list`;
  }
  for (const step of steps)
    for (const d of step.dependsOn) if (!ids.has(d)) return `${step.id} depends on a missing step`;
  return acyclic(steps) ? undefined : 'its dependencies form a cycle';
}

/**
 * A template plan made whole: every action known, every dependency there and acyclic (else it is
 * a bug, thrown), and each step marked for approval when it changes something outside Aura and
 * the user's rules do not let it run unasked.
 */
export function validate(
  steps: DraftStep[],
  autoApprove: Set<string>,
  specs: Map<string, ActionSpec>,
): { plan: PlanStep[]; reasoning: string[] } {
  const ids = new Set(steps.map((s) => s.id));
  for (const step of steps) {
    if (!specs.has(step.action)) throw new Error(`unknown action ${step.action}`);
    for (const d of step.dependsOn) if (!ids.has(d)) throw new Error(`step ${step.id} depends on missing ${d}`);
  }
  if (!acyclic(steps)) throw new Error('the plan has a dependency cycle');
  const reasoning: string[] = [];
  const plan = steps.map((s) => {
    const external = specs.get(s.action)?.sideEffect === 'external';
    const requiresApproval = external && !autoApprove.has(s.action);
    if (external && !requiresApproval) reasoning.push(`${s.action} runs without asking, as your rule allows.`);
    return { ...s, requiresApproval };
  });
  return { plan, reasoning };
}
