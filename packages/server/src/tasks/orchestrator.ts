import { sealTo } from '@aura/crypto/public';
import { DBOS } from '@dbos-inc/dbos-sdk';
import type pg from 'pg';
import { Histogram, type Registry } from 'prom-client';
import type { AuditLog } from '../audit/log.ts';
import { withTransaction } from '../db/transaction.ts';
import type { Notifier } from '../notifications/notifier.ts';
import type { AgentHub } from './agent-hub.ts';
import { approvalView, type StepRow, TaskRepository } from './repository.ts';

/** How long things may take; the spec's values by default, shorter in tests. */
export interface OrchestrationSettings {
  executorId: string;
  approvalTimeoutSeconds: number;
  stepTimeoutSeconds: number;
  retryInitialMs: number;
  retryMaxMs: number;
  attempts: number;
}

interface ApprovalMessage {
  decision: 'approve' | 'reject';
}
interface ResultMessage {
  ok: boolean;
  retryable: boolean;
}

export const workflowId = (taskId: string) => `task-${taskId}`;

/**
 * DBOS is one per process; the registered workflow reaches the running orchestrator through
 * this, so a test can start, stop and start again in one process.
 */
let current: Orchestrator | undefined;
const engine = () => {
  if (!current) throw new Error('the orchestrator is not running');
  return current;
};

/** An attempt's outcome that is known but not yet recorded: the next transition records it. */
interface Outcome {
  stepId: string;
  attempt: number;
  result: ResultMessage | null;
}
type Next = { ask: string } | { dispatch: { stepId: string; attempt: number } };

/**
 * The spec's PrivacyPreservingWorkflow, on DBOS Transact. Each transition is one checkpointed
 * step and one transaction that records what just happened and then what comes next, each with
 * its audit entry written before the act ("log before act"). Waits are durable `recv`s with
 * explicit timeouts; retries are a loop over durable sleeps, so a crash neither forgets how many
 * attempts were made nor runs a step twice (the agent also keeps a journal of what it executed).
 * Workflow changes go through DBOS.patch (enablePatching is on from the first version).
 */
async function taskWorkflow(userId: string, taskId: string): Promise<string> {
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

/** Transient database errors inside a step are retried a few times before the workflow gives up. */
const RETRY = { retriesAllowed: true, intervalSeconds: 0.2, backoffRate: 2, maxAttempts: 4 };

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
      const answer = await DBOS.recv<ApprovalMessage>(`approval:${step.id}`, {
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
      const result = await DBOS.recv<ResultMessage>(`result:${step.id}:${attempt}`, {
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

export class Orchestrator {
  readonly repo: TaskRepository;
  #workflow: typeof taskWorkflow | undefined;
  /** When the workflow last heard something that leads to a dispatch (a result, an approval). */
  readonly #heard = new Map<string, { kind: 'step' | 'approval'; at: number }>();
  readonly #timing: Histogram<'transition'>;

  constructor(
    private readonly pool: pg.Pool,
    private readonly audit: AuditLog,
    private readonly notifier: Notifier,
    private readonly hub: AgentHub,
    readonly settings: OrchestrationSettings,
    registry: Registry,
  ) {
    this.repo = new TaskRepository(pool);
    this.#timing = new Histogram({
      name: 'aura_task_dispatch_latency_seconds',
      help: 'Server-side time from a step result (transition="step") or an approval (transition="approval") to the next dispatch',
      labelNames: ['transition'],
      buckets: [0.002, 0.005, 0.01, 0.015, 0.02, 0.03, 0.05, 0.1, 0.2, 0.5, 1],
      registers: [registry],
    });
  }

  async start(databaseUrl: string): Promise<void> {
    if (current) throw new Error('one orchestrator per process');
    current = this;
    this.#workflow = DBOS.registerWorkflow(taskWorkflow, { name: 'aura-task' });
    DBOS.setConfig({
      name: 'aura',
      systemDatabaseUrl: databaseUrl,
      systemDatabasePoolSize: 10,
      executorID: this.settings.executorId,
      enablePatching: true,
      // A recv wakes on PostgreSQL's NOTIFY; coalescing notices for 10 ms (the default) would add
      // that much to every approval and every step.
      notificationCoalesceMs: 1,
      logLevel: 'warn',
    });
    await DBOS.launch();
    // A task whose row was written but whose workflow never started (a crash in between), or a
    // decision stored but never delivered: both are idempotent to repeat.
    for (const t of await this.repo.unfinished()) await this.run(t.user_id, t.id);
    for (const d of await this.repo.decidedWhileRunning())
      await this.deliverDecision(d.task_id, d.step_id, d.approval_decision as ApprovalMessage['decision']);
  }

  async stop(): Promise<void> {
    if (current !== this) return;
    await DBOS.shutdown({ deregister: true });
    current = undefined;
  }

  /** Starts (or finds, by its id) the task's workflow. */
  async run(userId: string, taskId: string): Promise<void> {
    if (!this.#workflow) throw new Error('the orchestrator is not running');
    await DBOS.startWorkflow(this.#workflow, { workflowID: workflowId(taskId) })(userId, taskId);
  }

  /** `receivedAt`: when the request carrying it arrived (performance.now() clock), for the timing metric. */
  async deliverDecision(
    taskId: string,
    stepId: string,
    decision: ApprovalMessage['decision'],
    receivedAt = performance.now(),
  ) {
    this.#heard.set(taskId, { kind: 'approval', at: receivedAt });
    await DBOS.send<ApprovalMessage>(
      workflowId(taskId),
      { decision },
      `approval:${stepId}`,
      `decision:${taskId}:${stepId}`,
    );
  }

  async deliverResult(
    taskId: string,
    stepId: string,
    attempt: number,
    ok: boolean,
    retryable: boolean,
    receivedAt = performance.now(),
  ) {
    this.#heard.set(taskId, { kind: 'step', at: receivedAt });
    await DBOS.send<ResultMessage>(
      workflowId(taskId),
      { ok, retryable },
      `result:${stepId}:${attempt}`,
      `result:${taskId}:${stepId}:${attempt}`,
    );
  }

  #notify(userId: string, notice: Record<string, unknown>) {
    this.notifier.publish(userId, { type: 'task', ...notice });
  }

  /** One audit entry of a task's transition, in the transaction that makes it. */
  #log(
    db: pg.PoolClient,
    userId: string,
    targetId: string,
    action: string,
    result: 'success' | 'failure' | 'pending',
    sensitive?: Record<string, unknown>,
    actor: 'orchestrator' | 'agent' = 'orchestrator',
  ) {
    return this.audit.append(
      userId,
      {
        eventType: 'task',
        actorId: actor,
        actorType: actor === 'agent' ? 'device' : 'system',
        targetId,
        action,
        result,
        ...(sensitive ? { sensitive } : {}),
      },
      db,
    );
  }

  // The steps below run inside DBOS steps: each is a transaction that logs, then changes state.

  async begin(userId: string, taskId: string) {
    return withTransaction(this.pool, async (db) => {
      const steps = await this.repo.steps(taskId, db);
      await this.#log(db, userId, taskId, 'start', 'success');
      return {
        steps: steps.map((s) => ({ id: s.step_id, requiresApproval: s.requires_approval })),
        settings: this.settings,
      };
    });
  }

  /** Records an attempt's outcome (if there is one), then asks for approval or dispatches. */
  async transition(userId: string, taskId: string, outcome: Outcome | undefined, next: Next | undefined) {
    const sent = await withTransaction(this.pool, async (db) => {
      if (outcome) await this.#record(db, userId, taskId, outcome);
      if (!next) {
        await db.query('UPDATE tasks SET updated_at = now() WHERE id = $1', [taskId]);
        return undefined;
      }
      if ('ask' in next) {
        await this.#log(db, userId, `${taskId}/${next.ask}`, 'approval_requested', 'pending');
        // A decision may already be there (sent before this step re-ran after a crash).
        await db.query(
          `UPDATE task_steps SET status = 'waiting_approval' WHERE task_id = $1 AND step_id = $2 AND approval_decision IS NULL`,
          [taskId, next.ask],
        );
        await this.repo.setTask(db, taskId, 'waiting_approval');
        return undefined;
      }
      const { stepId, attempt } = next.dispatch;
      await this.#log(db, userId, `${taskId}/${stepId}`, 'dispatch', 'pending');
      // One agent gets each attempt; with none connected, the first to ask for pending work does.
      const { rows } = await db.query<StepRow>(
        `UPDATE task_steps SET status = 'dispatched', attempts = $3, dispatched_to = $4
          WHERE task_id = $1 AND step_id = $2 RETURNING *`,
        [taskId, stepId, attempt, this.hub.pick(userId)],
      );
      await this.repo.setTask(db, taskId, 'running');
      return rows[0];
    });
    if (outcome) this.#notify(userId, { event: `step_${outcomeName(outcome)}`, taskId, stepId: outcome.stepId });
    if (next && 'ask' in next) this.#notify(userId, { event: 'approval_requested', taskId, stepId: next.ask });
    if (sent?.dispatched_to) {
      this.hub.sendTo(userId, sent.dispatched_to, {
        type: 'dispatch',
        dispatch: {
          taskId,
          stepId: sent.step_id,
          attempt: sent.attempts,
          requiresApproval: sent.requires_approval,
          ciphertext: sent.ciphertext.toString('base64'),
          approval: approvalView(sent),
        },
      });
      // Server-side time from the last thing the workflow heard to this dispatch.
      const since = this.#heard.get(taskId);
      this.#heard.delete(taskId);
      if (since) this.#timing.observe({ transition: since.kind }, (performance.now() - since.at) / 1000);
    }
  }

  // The attempt number and outcome are not sealed into these entries: the task's own row shows
  // them in plaintext anyway, and sealing costs an X25519 operation on every step's hot path.
  async #record(db: pg.PoolClient, userId: string, taskId: string, outcome: Outcome) {
    const name = outcomeName(outcome);
    await this.#log(
      db,
      userId,
      `${taskId}/${outcome.stepId}`,
      'execute',
      name === 'succeeded' ? 'success' : 'failure',
      undefined,
      'agent',
    );
    // One statement: the task's own row is updated by whatever the transition does next.
    await db.query('UPDATE task_steps SET status = $3 WHERE task_id = $1 AND step_id = $2', [
      taskId,
      outcome.stepId,
      name === 'succeeded' ? 'succeeded' : 'failed',
    ]);
  }

  async end(
    userId: string,
    taskId: string,
    status: 'completed' | 'cancelled' | 'failed',
    outcome?: Outcome,
    why?: string,
    stepId?: string,
  ) {
    await withTransaction(this.pool, async (db) => {
      if (outcome) await this.#record(db, userId, taskId, outcome);
      const { rows } = await db.query<{ audit_public_key: Buffer | null }>(
        'SELECT audit_public_key FROM users WHERE id = $1',
        [userId],
      );
      const key = rows[0]?.audit_public_key;
      // The reason is for the user alone: sealed to the account's audit key.
      const reason =
        why && key
          ? sealTo(new Uint8Array(key), 'task-reason', new TextEncoder().encode(JSON.stringify({ why, stepId })))
          : undefined;
      await this.#log(
        db,
        userId,
        taskId,
        status === 'completed' ? 'complete' : status === 'cancelled' ? 'cancel' : 'fail',
        status === 'completed' ? 'success' : 'failure',
        why ? { why, stepId } : undefined,
      );
      if (status === 'cancelled' && stepId) {
        await db.query(
          `UPDATE task_steps SET status = CASE WHEN approval_decision = 'reject' THEN 'rejected' ELSE 'expired' END
            WHERE task_id = $1 AND step_id = $2`,
          [taskId, stepId],
        );
      }
      await db.query(`UPDATE task_steps SET status = 'skipped' WHERE task_id = $1 AND status = 'pending'`, [taskId]);
      await this.repo.setTask(db, taskId, status, reason);
    });
    if (outcome) this.#notify(userId, { event: `step_${outcomeName(outcome)}`, taskId, stepId: outcome.stepId });
    this.#notify(userId, { event: status, taskId, ...(why ? { why } : {}) });
  }
}

const outcomeName = (o: Outcome) => (o.result === null ? 'timeout' : o.result.ok ? 'succeeded' : 'failed');
