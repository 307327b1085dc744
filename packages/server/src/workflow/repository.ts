import type pg from 'pg';
import type { StepRow } from '../modules/tasks/views.ts';

/**
 * The workflow's SQL: each function runs inside the transaction of one transition. A task id is
 * unique only within its user, so every statement names both.
 */
type Db = pg.Pool | pg.PoolClient;

export async function stepsOf(db: Db, userId: string, taskId: string): Promise<StepRow[]> {
  const { rows } = await db.query<StepRow>(
    'SELECT * FROM task_steps WHERE user_id = $1 AND task_id = $2 ORDER BY position',
    [userId, taskId],
  );
  return rows;
}

export async function setTaskStatus(db: Db, userId: string, taskId: string, status: string, reasonSealed?: Uint8Array) {
  await db.query(
    `UPDATE tasks SET status = $3, reason_sealed = coalesce($4, reason_sealed), updated_at = now()
      WHERE user_id = $1 AND id = $2`,
    [userId, taskId, status, reasonSealed ? Buffer.from(reasonSealed) : null],
  );
}

export async function touchTask(db: Db, userId: string, taskId: string): Promise<void> {
  await db.query('UPDATE tasks SET updated_at = now() WHERE user_id = $1 AND id = $2', [userId, taskId]);
}

/** A decision may already be there (sent before this transition re-ran after a crash): it is kept. */
/** Returns the step's ciphertext (sealed under the account's task key), for the devices' notice. */
export async function markWaitingApproval(
  db: Db,
  userId: string,
  taskId: string,
  stepId: string,
): Promise<Buffer | undefined> {
  const { rows } = await db.query<{ ciphertext: Buffer }>(
    `UPDATE task_steps SET status = 'waiting_approval'
      WHERE user_id = $1 AND task_id = $2 AND step_id = $3 AND approval_decision IS NULL
      RETURNING ciphertext`,
    [userId, taskId, stepId],
  );
  return rows[0]?.ciphertext;
}

/** One agent gets each attempt (`agent`); with none connected, the first to ask for pending work does. */
export async function markDispatched(
  db: Db,
  d: { userId: string; taskId: string; stepId: string; attempt: number; agent: string | null },
): Promise<StepRow | undefined> {
  const { rows } = await db.query<StepRow>(
    `UPDATE task_steps SET status = 'dispatched', attempts = $4, dispatched_to = $5
      WHERE user_id = $1 AND task_id = $2 AND step_id = $3 RETURNING *`,
    [d.userId, d.taskId, d.stepId, d.attempt, d.agent],
  );
  return rows[0];
}

/**
 * The common transition's rows in one statement: the previous step's outcome (if any), the task
 * running, and this step dispatched to `agent` (the other two are different rows).
 */
export async function dispatchStep(
  db: Db,
  d: {
    userId: string;
    taskId: string;
    stepId: string;
    attempt: number;
    agent: string | null;
    outcome: { stepId: string; succeeded: boolean } | null;
  },
): Promise<StepRow | undefined> {
  const { rows } = await db.query<StepRow>({
    name: 'aura-dispatch-step',
    text: `WITH done AS (
             UPDATE task_steps SET status = $7
              WHERE user_id = $1 AND task_id = $2 AND step_id = $6::text AND $6::text IS NOT NULL
           ), task AS (
             UPDATE tasks SET status = 'running', updated_at = now() WHERE user_id = $1 AND id = $2
           )
           UPDATE task_steps SET status = 'dispatched', attempts = $4, dispatched_to = $5
            WHERE user_id = $1 AND task_id = $2 AND step_id = $3 RETURNING *`,
    values: [
      d.userId,
      d.taskId,
      d.stepId,
      d.attempt,
      d.agent,
      d.outcome?.stepId ?? null,
      d.outcome ? (d.outcome.succeeded ? 'succeeded' : 'failed') : null,
    ],
  });
  return rows[0];
}

export async function markStepOutcome(
  db: Db,
  userId: string,
  taskId: string,
  stepId: string,
  succeeded: boolean,
): Promise<void> {
  await db.query('UPDATE task_steps SET status = $4 WHERE user_id = $1 AND task_id = $2 AND step_id = $3', [
    userId,
    taskId,
    stepId,
    succeeded ? 'succeeded' : 'failed',
  ]);
}

/** The step that ended the task without running: rejected if a device said so, else expired. */
export async function markUndecided(db: Db, userId: string, taskId: string, stepId: string): Promise<void> {
  await db.query(
    `UPDATE task_steps SET status = CASE WHEN approval_decision = 'reject' THEN 'rejected' ELSE 'expired' END
      WHERE user_id = $1 AND task_id = $2 AND step_id = $3`,
    [userId, taskId, stepId],
  );
}

export async function skipPendingSteps(db: Db, userId: string, taskId: string): Promise<void> {
  await db.query(
    `UPDATE task_steps SET status = 'skipped' WHERE user_id = $1 AND task_id = $2 AND status = 'pending'`,
    [userId, taskId],
  );
}

export async function auditKeyOf(db: Db, userId: string): Promise<Buffer | null | undefined> {
  const { rows } = await db.query<{ audit_public_key: Buffer | null }>(
    'SELECT audit_public_key FROM users WHERE id = $1',
    [userId],
  );
  return rows[0]?.audit_public_key;
}

/** Tasks a workflow should be running: after a crash, each is (re)started idempotently. */
export async function unfinishedTasks(db: Db): Promise<{ id: string; user_id: string; workflow_id: string | null }[]> {
  const { rows } = await db.query(
    `SELECT id, user_id, workflow_id FROM tasks WHERE status NOT IN ('completed', 'cancelled', 'failed') ORDER BY created_at`,
  );
  return rows;
}

/** Decisions stored but perhaps not yet delivered to their workflow (a crash in between). */
export async function decidedWhileRunning(db: Db): Promise<
  {
    user_id: string;
    task_id: string;
    step_id: string;
    approval_decision: 'approve' | 'reject';
    workflow_id: string | null;
  }[]
> {
  const { rows } = await db.query(
    `SELECT s.user_id, s.task_id, s.step_id, s.approval_decision, t.workflow_id
       FROM task_steps s JOIN tasks t ON t.user_id = s.user_id AND t.id = s.task_id
      WHERE t.status NOT IN ('completed', 'cancelled', 'failed') AND s.approval_decision IS NOT NULL`,
  );
  return rows;
}
