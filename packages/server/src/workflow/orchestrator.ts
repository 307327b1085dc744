import { sealTo } from '@aura/crypto/public';
import type { TaskNotice } from '@aura/protocol';
import { DBOS, type WorkflowStatus } from '@dbos-inc/dbos-sdk';
import type pg from 'pg';
import { Histogram, type Registry } from 'prom-client';
import type { AgentHub } from '../agent-channel/hub.ts';
import type { AgentWake } from '../agent-channel/wake.ts';
import type { AuditEvent, AuditLog } from '../audit/log.ts';
import { withTransaction } from '../db/transaction.ts';
import { dispatchView } from '../modules/tasks/views.ts';
import type { Notifier } from '../notifications/notifier.ts';
import {
  auditKeyOf,
  decidedWhileRunning,
  dispatchStep,
  markDispatched,
  markStepOutcome,
  markUndecided,
  markWaitingApproval,
  setTaskStatus,
  skipPendingSteps,
  stepsOf,
  touchTask,
  unfinishedTasks,
} from './repository.ts';
import {
  type ApprovalMessage,
  approvalTopic,
  attach,
  detach,
  type Next,
  type OrchestrationSettings,
  type Outcome,
  type ResultMessage,
  resultTopic,
  type TaskKey,
  taskWorkflow,
  workflowId,
  workflowOf,
} from './task-workflow.ts';

export type { OrchestrationSettings } from './task-workflow.ts';

/**
 * Runs tasks' workflows and makes their transitions: each transition below runs inside one DBOS
 * step, as one transaction that logs, then changes state.
 */
/** Held while DBOS launches (and migrates its schema): one process at a time. */
const LAUNCH_LOCK = 0x4155_5241_02;
const LAUNCH_WAIT_MS = 60_000;

export class Orchestrator {
  #workflow: typeof taskWorkflow | undefined;
  /** When the workflow last heard something that leads to a dispatch (a result, an approval); by workflowId(user, task). */
  readonly #heard = new Map<string, { kind: 'step' | 'approval'; at: number }>();
  readonly #timing: Histogram<'transition'>;
  #attached = false;

  constructor(
    private readonly pool: pg.Pool,
    private readonly audit: AuditLog,
    private readonly notifier: Notifier,
    private readonly hub: AgentHub,
    private readonly wake: AgentWake,
    readonly settings: OrchestrationSettings,
    registry: Registry,
  ) {
    this.#timing = new Histogram({
      name: 'aura_task_dispatch_latency_seconds',
      help: 'Server-side time from a step result (transition="step") or an approval (transition="approval") to the next dispatch',
      labelNames: ['transition'],
      buckets: [0.002, 0.005, 0.01, 0.015, 0.02, 0.03, 0.05, 0.1, 0.2, 0.5, 1],
      registers: [registry],
    });
  }

  async start(databaseUrl: string): Promise<void> {
    attach(this);
    this.#attached = true;
    this.#workflow = DBOS.registerWorkflow(taskWorkflow, { name: 'aura-task' });
    DBOS.setConfig({
      name: 'aura',
      systemDatabaseUrl: withIdleTransactionTimeout(databaseUrl),
      systemDatabasePoolSize: 10,
      executorID: this.settings.executorId,
      enablePatching: true,
      // A recv wakes on PostgreSQL's NOTIFY; coalescing notices for 10 ms (the default) would add
      // that much to every approval and every step.
      notificationCoalesceMs: 1,
      logLevel: 'warn',
    });
    // DBOS migrates its system tables at launch; two processes launching at once on a fresh
    // database deadlock there (seen: two servers started together), so launches take turns. The
    // turn is asked for again and again rather than waited for in one statement: DBOS builds
    // indexes CONCURRENTLY, which waits for every open transaction, a blocked lock call too.
    const turn = await this.pool.connect();
    try {
      const deadline = Date.now() + LAUNCH_WAIT_MS;
      while (!(await turn.query<{ ok: boolean }>('SELECT pg_try_advisory_lock($1) AS ok', [LAUNCH_LOCK])).rows[0]?.ok) {
        if (Date.now() > deadline)
          throw new Error(
            `another server process has been starting its workflow engine for ${LAUNCH_WAIT_MS / 1000} s`,
          );
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
      await DBOS.launch();
    } finally {
      await turn.query('SELECT pg_advisory_unlock($1)', [LAUNCH_LOCK]).catch(() => {});
      turn.release();
    }
    // A task whose row was written but whose workflow never started (a crash in between), or a
    // decision stored but never delivered: both are idempotent to repeat.
    await this.#resumeUnfinished(
      (await unfinishedTasks(this.pool)).map((t) => ({
        userId: t.user_id,
        taskId: t.id,
        legacyWorkflowId: t.workflow_id,
      })),
    );
    for (const d of await decidedWhileRunning(this.pool))
      await this.deliverDecision(
        { userId: d.user_id, taskId: d.task_id, legacyWorkflowId: d.workflow_id },
        d.step_id,
        d.approval_decision,
      );
  }

  /** What the last start found of the tasks left unfinished: for the line `npm start` prints. */
  readonly recovery = { resumed: 0, started: 0 };

  /**
   * DBOS's own recovery, inside launch(), has already queued again every workflow this executor
   * had begun; starting one of those again only makes DBOS warn, with a stack trace, that it is
   * queued elsewhere. So only a task whose workflow was never created is started here; the rest
   * are counted, and what needs a person (a workflow DBOS will not run) gets one line each.
   */
  async #resumeUnfinished(tasks: TaskKey[]): Promise<void> {
    const ids = tasks.map(workflowOf);
    const known = new Map<string, WorkflowStatus>();
    // One parameter per id in DBOS's query: chunked, as DBOS chunks its own.
    for (let i = 0; i < ids.length; i += 500) {
      const chunk = ids.slice(i, i + 500);
      for (const w of await DBOS.listWorkflows({ workflowIDs: chunk, loadInput: false, loadOutput: false }))
        known.set(w.workflowID, w);
    }
    for (const task of tasks) {
      const id = workflowOf(task);
      const w = known.get(id);
      if (!w) {
        await this.run(task);
        this.recovery.started++;
      } else if (w.status === 'ENQUEUED' || (w.status === 'PENDING' && w.executorId === this.settings.executorId)) {
        this.recovery.resumed++;
      } else if (w.status === 'PENDING') {
        DBOS.logger.warn(
          `Workflow ${id} belongs to executor ${w.executorId}, which this server (executor ` +
            `${this.settings.executorId}) does not recover: set AURA_EXECUTOR_ID=${w.executorId} to resume it.`,
        );
      } else if (w.status === 'MAX_RECOVERY_ATTEMPTS_EXCEEDED') {
        DBOS.logger.warn(`Workflow ${id} failed recovery too often and is left stopped; its task stays unfinished.`);
      }
    }
  }

  async stop(): Promise<void> {
    if (!this.#attached) return;
    await DBOS.shutdown({ deregister: true });
    detach(this);
    this.#attached = false;
  }

  /** Starts (or finds, by its id) the task's workflow. */
  async run(task: TaskKey): Promise<void> {
    if (!this.#workflow) throw new Error('the orchestrator is not running');
    await DBOS.startWorkflow(this.#workflow, { workflowID: workflowOf(task) })(task.userId, task.taskId);
  }

  // The idempotency keys name the workflow, not just the task: DBOS keeps them in one namespace
  // for every user, and two users' tasks may share an id.

  /** `receivedAt`: when the request carrying it arrived (performance.now() clock), for the timing metric. */
  async deliverDecision(
    task: TaskKey,
    stepId: string,
    decision: ApprovalMessage['decision'],
    receivedAt = performance.now(),
  ) {
    const workflow = workflowOf(task);
    this.#heard.set(workflowId(task.userId, task.taskId), { kind: 'approval', at: receivedAt });
    await DBOS.send<ApprovalMessage>(workflow, { decision }, approvalTopic(stepId), `decision:${workflow}:${stepId}`);
  }

  async deliverResult(
    task: TaskKey,
    stepId: string,
    attempt: number,
    ok: boolean,
    retryable: boolean,
    receivedAt = performance.now(),
  ) {
    const workflow = workflowOf(task);
    this.#heard.set(workflowId(task.userId, task.taskId), { kind: 'step', at: receivedAt });
    await DBOS.send<ResultMessage>(
      workflow,
      { ok, retryable },
      resultTopic(stepId, attempt),
      `result:${workflow}:${stepId}:${attempt}`,
    );
  }

  #notify(userId: string, notice: Omit<TaskNotice, 'type'>, sealed?: Uint8Array) {
    void this.notifier.publish(userId, { type: 'task', ...notice }, { sealed });
  }

  /** One audit entry of a task's transition. */
  #entry(
    userId: string,
    targetId: string,
    action: string,
    result: 'success' | 'failure' | 'pending',
    sensitive?: Record<string, unknown>,
    actor: 'orchestrator' | 'agent' = 'orchestrator',
  ): { userId: string; event: AuditEvent } {
    return {
      userId,
      event: {
        eventType: 'task',
        actorId: actor,
        actorType: actor === 'agent' ? 'device' : 'system',
        targetId,
        action,
        result,
        ...(sensitive ? { sensitive } : {}),
      },
    };
  }

  /** One audit entry of a task's transition, in the transaction that makes it. */
  #log(
    db: pg.PoolClient,
    userId: string,
    targetId: string,
    action: string,
    result: 'success' | 'failure' | 'pending',
    sensitive?: Record<string, unknown>,
  ) {
    const { event } = this.#entry(userId, targetId, action, result, sensitive);
    return this.audit.append(userId, event, db);
  }

  // The attempt number and outcome are not sealed into these entries: the task's own row shows
  // them in plaintext anyway, and sealing costs an X25519 operation on every step's hot path.
  #outcomeEntry(userId: string, taskId: string, outcome: Outcome) {
    return this.#entry(
      userId,
      `${taskId}/${outcome.stepId}`,
      'execute',
      succeeded(outcome) ? 'success' : 'failure',
      undefined,
      'agent',
    );
  }

  // The steps below run inside DBOS steps: each is a transaction that logs, then changes state.

  async begin(userId: string, taskId: string) {
    return withTransaction(this.pool, async (db) => {
      const steps = await stepsOf(db, userId, taskId);
      await this.#log(db, userId, taskId, 'start', 'success');
      return {
        steps: steps.map((s) => ({ id: s.step_id, requiresApproval: s.requires_approval })),
        settings: this.settings,
      };
    });
  }

  /** Records an attempt's outcome (if there is one), then asks for approval or dispatches. */
  async transition(userId: string, taskId: string, outcome: Outcome | undefined, next: Next | undefined) {
    let asked: Buffer | undefined;
    const sent = await withTransaction(this.pool, async (db) => {
      if (next && 'dispatch' in next && outcome?.stepId !== next.dispatch.stepId) {
        // The common transition, one step's result and the next step's dispatch: both audit
        // entries in one statement, the step and task rows in another.
        const { stepId, attempt } = next.dispatch;
        await this.audit.appendAll(db, [
          ...(outcome ? [this.#outcomeEntry(userId, taskId, outcome)] : []),
          this.#entry(userId, `${taskId}/${stepId}`, 'dispatch', 'pending'),
        ]);
        return dispatchStep(db, {
          userId,
          taskId,
          stepId,
          attempt,
          agent: this.hub.pick(userId),
          outcome: outcome ? { stepId: outcome.stepId, succeeded: succeeded(outcome) } : null,
        });
      }
      if (outcome) await this.#record(db, userId, taskId, outcome);
      if (!next) {
        await touchTask(db, userId, taskId);
        return undefined;
      }
      if ('ask' in next) {
        await this.#log(db, userId, `${taskId}/${next.ask}`, 'approval_requested', 'pending');
        asked = await markWaitingApproval(db, userId, taskId, next.ask);
        await setTaskStatus(db, userId, taskId, 'waiting_approval');
        return undefined;
      }
      // A step dispatched again right after its own outcome (the workflow records that apart).
      const { stepId, attempt } = next.dispatch;
      await this.#log(db, userId, `${taskId}/${stepId}`, 'dispatch', 'pending');
      const sent = await markDispatched(db, { userId, taskId, stepId, attempt, agent: this.hub.pick(userId) });
      await setTaskStatus(db, userId, taskId, 'running');
      return sent;
    });
    if (outcome) this.#notify(userId, stepNotice(taskId, outcome));
    // The step itself goes with the request, as the client sealed it: a phone shows what it asks
    // to approve without another round trip, and the server still cannot read it.
    if (next && 'ask' in next) this.#notify(userId, { event: 'approval_requested', taskId, stepId: next.ask }, asked);
    // Dispatched to no one here: the user's agent may be connected to another server process.
    if (sent && !sent.dispatched_to) await this.wake.signal(userId);
    if (sent?.dispatched_to) {
      this.hub.sendTo(userId, sent.dispatched_to, {
        type: 'dispatch',
        dispatch: dispatchView(sent),
      });
      // Server-side time from the last thing the workflow heard to this dispatch.
      const heard = workflowId(userId, taskId);
      const since = this.#heard.get(heard);
      this.#heard.delete(heard);
      if (since) this.#timing.observe({ transition: since.kind }, (performance.now() - since.at) / 1000);
    }
  }

  async #record(db: pg.PoolClient, userId: string, taskId: string, outcome: Outcome) {
    const { event } = this.#outcomeEntry(userId, taskId, outcome);
    await this.audit.append(userId, event, db);
    // One statement: the task's own row is updated by whatever the transition does next.
    await markStepOutcome(db, userId, taskId, outcome.stepId, succeeded(outcome));
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
      const key = await auditKeyOf(db, userId);
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
        await markUndecided(db, userId, taskId, stepId);
      }
      await skipPendingSteps(db, userId, taskId);
      await setTaskStatus(db, userId, taskId, status, reason);
    });
    if (outcome) this.#notify(userId, stepNotice(taskId, outcome));
    this.#notify(userId, { event: status, taskId, ...(why ? { why } : {}) });
  }
}

const outcomeName = (o: Outcome) => (o.result === null ? 'timeout' : o.result.ok ? 'succeeded' : 'failed');
const succeeded = (o: Outcome) => outcomeName(o) === 'succeeded';

const stepNotice = (taskId: string, o: Outcome): Omit<TaskNotice, 'type'> => ({
  event: `step_${outcomeName(o)}`,
  taskId,
  stepId: o.stepId,
});

/**
 * DBOS caps idle transactions on its connections; asked to itself, it sends a SET on each new
 * connection while the pool hands that connection to a query, and pg warns of two queries at
 * once (a DeprecationWarning on every start). Set in the connection's startup options instead,
 * the same cap holds from the first byte, and DBOS leaves it alone.
 */
export function withIdleTransactionTimeout(databaseUrl: string, ms = 60_000): string {
  const url = new URL(databaseUrl);
  const options = url.searchParams.get('options') ?? '';
  if (options.includes('idle_in_transaction_session_timeout')) return databaseUrl;
  url.searchParams.set('options', `${options} -c idle_in_transaction_session_timeout=${ms}`.trim());
  return url.toString();
}
