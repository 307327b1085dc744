import { sealTo } from '@aura/crypto/public';
import { DBOS } from '@dbos-inc/dbos-sdk';
import type pg from 'pg';
import type { AuditLog } from '../audit/log.ts';
import { withTransaction } from '../db/transaction.ts';
import type { Notifier } from '../notifications/notifier.ts';
import type { AgentHub } from './agent-hub.ts';
import { approvalView, TaskRepository } from './repository.ts';

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

/**
 * The spec's PrivacyPreservingWorkflow, on DBOS Transact: each transition is a checkpointed step
 * that writes its audit entry before it acts ("log before act"); waits are durable `recv`s with
 * explicit timeouts; retries are a loop over durable sleeps, so a crash neither forgets how many
 * attempts were made nor runs a step twice (the agent also keeps a journal of what it executed).
 * Workflow changes go through DBOS.patch (enablePatching is on from the first version).
 */
async function taskWorkflow(userId: string, taskId: string): Promise<string> {
  const o = engine();
  const settings = o.settings;
  const steps = await DBOS.runStep(() => o.begin(userId, taskId), { name: 'begin' });
  for (const step of steps) {
    if (step.requiresApproval) {
      await DBOS.runStep(() => o.askApproval(userId, taskId, step.id), { name: `ask:${step.id}` });
      const answer = await DBOS.recv<ApprovalMessage>(`approval:${step.id}`, {
        timeoutSeconds: settings.approvalTimeoutSeconds,
      });
      if (answer?.decision !== 'approve') {
        const why = answer ? 'rejected' : 'expired';
        await DBOS.runStep(() => o.end(userId, taskId, 'cancelled', why, step.id), { name: 'cancel' });
        return 'cancelled';
      }
    }
    let ok = false;
    let retry = true;
    for (let attempt = 1; attempt <= settings.attempts && !ok && retry; attempt++) {
      if (attempt > 1) await DBOS.sleep(Math.min(settings.retryInitialMs * 2 ** (attempt - 2), settings.retryMaxMs));
      await DBOS.runStep(() => o.dispatch(userId, taskId, step.id, attempt), {
        name: `dispatch:${step.id}:${attempt}`,
      });
      const result = await DBOS.recv<ResultMessage>(`result:${step.id}:${attempt}`, {
        timeoutSeconds: settings.stepTimeoutSeconds,
      });
      ok = result?.ok === true;
      retry = result?.retryable !== false;
      await DBOS.runStep(() => o.recordAttempt(userId, taskId, step.id, attempt, result), {
        name: `record:${step.id}:${attempt}`,
      });
    }
    if (!ok) {
      await DBOS.runStep(() => o.end(userId, taskId, 'failed', 'step failed', step.id), { name: 'fail' });
      return 'failed';
    }
  }
  await DBOS.runStep(() => o.end(userId, taskId, 'completed'), { name: 'complete' });
  return 'completed';
}

export class Orchestrator {
  readonly repo: TaskRepository;
  #workflow: typeof taskWorkflow | undefined;

  constructor(
    private readonly pool: pg.Pool,
    private readonly audit: AuditLog,
    private readonly notifier: Notifier,
    private readonly hub: AgentHub,
    readonly settings: OrchestrationSettings,
  ) {
    this.repo = new TaskRepository(pool);
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

  async deliverDecision(taskId: string, stepId: string, decision: ApprovalMessage['decision']) {
    await DBOS.send<ApprovalMessage>(
      workflowId(taskId),
      { decision },
      `approval:${stepId}`,
      `decision:${taskId}:${stepId}`,
    );
  }

  async deliverResult(taskId: string, stepId: string, attempt: number, ok: boolean, retryable: boolean) {
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

  // The steps below run inside DBOS steps: each is a transaction that logs, then changes state.

  async begin(userId: string, taskId: string) {
    return withTransaction(this.pool, async (db) => {
      const steps = await this.repo.steps(taskId, db);
      await this.audit.append(
        userId,
        {
          eventType: 'task',
          actorId: 'orchestrator',
          actorType: 'system',
          targetId: taskId,
          action: 'start',
          result: 'success',
        },
        db,
      );
      return steps.map((s) => ({ id: s.step_id, requiresApproval: s.requires_approval }));
    });
  }

  async askApproval(userId: string, taskId: string, stepId: string) {
    await withTransaction(this.pool, async (db) => {
      await this.audit.append(
        userId,
        {
          eventType: 'task',
          actorId: 'orchestrator',
          actorType: 'system',
          targetId: `${taskId}/${stepId}`,
          action: 'approval_requested',
          result: 'pending',
        },
        db,
      );
      // A decision may already be there (sent before this step re-ran after a crash).
      await db.query(
        `UPDATE task_steps SET status = 'waiting_approval' WHERE task_id = $1 AND step_id = $2 AND approval_decision IS NULL`,
        [taskId, stepId],
      );
      await this.repo.setTask(db, taskId, 'waiting_approval');
    });
    this.#notify(userId, { event: 'approval_requested', taskId, stepId });
  }

  async dispatch(userId: string, taskId: string, stepId: string, attempt: number) {
    const step = await withTransaction(this.pool, async (db) => {
      await this.audit.append(
        userId,
        {
          eventType: 'task',
          actorId: 'orchestrator',
          actorType: 'system',
          targetId: `${taskId}/${stepId}`,
          action: 'dispatch',
          result: 'pending',
          sensitive: { attempt },
        },
        db,
      );
      await this.repo.setStep(db, taskId, stepId, { status: 'dispatched', attempts: attempt });
      await this.repo.setTask(db, taskId, 'running');
      return this.repo.step(taskId, stepId, db);
    });
    this.hub.send(userId, {
      type: 'dispatch',
      dispatch: {
        taskId,
        stepId,
        attempt,
        requiresApproval: step.requires_approval,
        ciphertext: step.ciphertext.toString('base64'),
        approval: approvalView(step),
      },
    });
  }

  async recordAttempt(userId: string, taskId: string, stepId: string, attempt: number, result: ResultMessage | null) {
    const outcome = result === null ? 'timeout' : result.ok ? 'succeeded' : 'failed';
    await withTransaction(this.pool, async (db) => {
      await this.audit.append(
        userId,
        {
          eventType: 'task',
          actorId: 'agent',
          actorType: 'device',
          targetId: `${taskId}/${stepId}`,
          action: 'execute',
          result: outcome === 'succeeded' ? 'success' : 'failure',
          sensitive: { attempt, outcome },
        },
        db,
      );
      await this.repo.setStep(db, taskId, stepId, { status: outcome === 'succeeded' ? 'succeeded' : 'failed' });
    });
    this.#notify(userId, { event: `step_${outcome}`, taskId, stepId, attempt });
  }

  async end(
    userId: string,
    taskId: string,
    status: 'completed' | 'cancelled' | 'failed',
    why?: string,
    stepId?: string,
  ) {
    await withTransaction(this.pool, async (db) => {
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
      await this.audit.append(
        userId,
        {
          eventType: 'task',
          actorId: 'orchestrator',
          actorType: 'system',
          targetId: taskId,
          action: status === 'completed' ? 'complete' : status === 'cancelled' ? 'cancel' : 'fail',
          result: status === 'completed' ? 'success' : 'failure',
          ...(why ? { sensitive: { why, stepId } } : {}),
        },
        db,
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
    this.#notify(userId, { event: status, taskId, ...(why ? { why } : {}) });
  }
}
