import { DBOS } from '@dbos-inc/dbos-sdk';
import type { ServerConfig } from '../config.ts';
import type { Orchestrator } from './orchestrator.ts';

/** How long things may take: the configuration's (the spec's values by default, shorter in tests). */
export type OrchestrationSettings = ServerConfig['orchestration'];

export interface ApprovalMessage {
  decision: 'approve' | 'reject';
}
export interface ResultMessage {
  ok: boolean;
  retryable: boolean;
}

/** An attempt's outcome that is known but not yet recorded: the next transition records it. */
export interface Outcome {
  stepId: string;
  attempt: number;
  result: ResultMessage | null;
}
export type Next = { ask: string } | { dispatch: { stepId: string; attempt: number } };

/**
 * A task as its workflow knows it. Task ids are chosen by clients and unique only within a user,
 * so the workflow's id names both; a task submitted before they were (migration 008) keeps the
 * workflow it was started under, `legacyWorkflowId`.
 */
export interface TaskKey {
  userId: string;
  taskId: string;
  legacyWorkflowId?: string | null | undefined;
}
export const workflowId = (userId: string, taskId: string) => `task-${userId}-${taskId}`;
export const workflowOf = (t: TaskKey) => t.legacyWorkflowId ?? workflowId(t.userId, t.taskId);
// The topics a workflow's recv()s wait on, and the idempotency keys of what is sent to them.
export const approvalTopic = (stepId: string) => `approval:${stepId}`;
export const resultTopic = (stepId: string, attempt: number) => `result:${stepId}:${attempt}`;

/**
 * DBOS is one per process; the registered workflow reaches the running orchestrator through
 * this, so a test can start, stop and start again in one process.
 */
let current: Orchestrator | undefined;
export function attach(orchestrator: Orchestrator): void {
  if (current) throw new Error('one orchestrator per process');
  current = orchestrator;
}
export function detach(orchestrator: Orchestrator): void {
  if (current === orchestrator) current = undefined;
}
const engine = () => {
  if (!current) throw new Error('the orchestrator is not running');
  return current;
};

/** Transient database errors inside a step are retried a few times before the workflow gives up. */
const RETRY = { retriesAllowed: true, intervalSeconds: 0.2, backoffRate: 2, maxAttempts: 4 };

/**
 * The spec's PrivacyPreservingWorkflow, on DBOS Transact. Each transition is one checkpointed
 * step and one transaction that records what just happened and then what comes next, each with
 * its audit entry written before the act ("log before act"). Waits are durable `recv`s with
 * explicit timeouts; retries are a loop over durable sleeps, so a crash neither forgets how many
 * attempts were made nor runs a step twice (the agent also keeps a journal of what it executed).
 * Workflow changes go through DBOS.patch (enablePatching is on from the first version).
 *
 * The durable transitions, each a named DBOS step: `begin`; `ask:<step>` (waiting for approval);
 * `cancel` (rejected or expired); `dispatch:<step>:<attempt>`, which also records the previous
 * attempt's outcome; `record:<step>:<attempt>` before a retry's sleep; `fail`; `complete`.
 */
export async function taskWorkflow(userId: string, taskId: string): Promise<string> {
  const o = engine();
  // The settings are read once, inside a step: a recovered workflow takes the same path even if
  // the configuration changed in between.
  const { steps, settings } = await DBOS.runStep(() => o.begin(userId, taskId), { name: 'begin', ...RETRY });
  try {
    return await runSteps(o, userId, taskId, steps, settings);
  } catch (error) {
    // Not left "running" forever: the task fails, and says the server could not run it.
    await DBOS.runStep(() => o.end(userId, taskId, 'failed', undefined, 'the server could not run this task'), {
      name: 'fail-internal',
      ...RETRY,
    });
    DBOS.logger.error(`task ${taskId} failed inside the server: ${(error as Error).message}`);
    return 'failed';
  }
}

async function runSteps(
  o: Orchestrator,
  userId: string,
  taskId: string,
  steps: { id: string; requiresApproval: boolean }[],
  settings: OrchestrationSettings,
): Promise<string> {
  let known: Outcome | undefined;
  const transition = async (next: Next | undefined, name: string) => {
    const outcome = known;
    known = undefined;
    await DBOS.runStep(() => o.transition(userId, taskId, outcome, next), { name, ...RETRY });
  };
  for (const step of steps) {
    if (step.requiresApproval) {
      await transition({ ask: step.id }, `ask:${step.id}`);
      const answer = await DBOS.recv<ApprovalMessage>(approvalTopic(step.id), {
        timeoutSeconds: settings.approvalTimeoutSeconds,
      });
      if (answer?.decision !== 'approve') {
        const why = answer ? 'rejected' : 'expired';
        await DBOS.runStep(() => o.end(userId, taskId, 'cancelled', undefined, why, step.id), {
          name: 'cancel',
          ...RETRY,
        });
        return 'cancelled';
      }
    }
    let ok = false;
    let retry = true;
    for (let attempt = 1; attempt <= settings.attempts && !ok && retry; attempt++) {
      if (attempt > 1) {
        if (known) await transition(undefined, `record:${known.stepId}:${known.attempt}`);
        await DBOS.sleep(Math.min(settings.retryInitialMs * 2 ** (attempt - 2), settings.retryMaxMs));
      }
      await transition({ dispatch: { stepId: step.id, attempt } }, `dispatch:${step.id}:${attempt}`);
      const result = await DBOS.recv<ResultMessage>(resultTopic(step.id, attempt), {
        timeoutSeconds: settings.stepTimeoutSeconds,
      });
      known = { stepId: step.id, attempt, result };
      ok = result?.ok === true;
      retry = result?.retryable !== false;
    }
    if (!ok) {
      const last = known;
      await DBOS.runStep(() => o.end(userId, taskId, 'failed', last, 'step failed', step.id), {
        name: 'fail',
        ...RETRY,
      });
      return 'failed';
    }
  }
  const last = known;
  await DBOS.runStep(() => o.end(userId, taskId, 'completed', last), { name: 'complete', ...RETRY });
  return 'completed';
}
