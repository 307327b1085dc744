import type pg from 'pg';
import type { StepRow } from '../modules/tasks/views.ts';

/** The workflow's SQL: each function runs inside the transaction of one transition. */
type Db = pg.Pool | pg.PoolClient;

export async function stepsOf(db: Db, taskId: string): Promise<StepRow[]> {
  const { rows } = await db.query<StepRow>('SELECT * FROM task_steps WHERE task_id = $1 ORDER BY position', [taskId]);
  return rows;
}

export async function setTaskStatus(db: Db, taskId: string, status: string, reasonSealed?: Uint8Array) {
  await db.query(
    'UPDATE tasks SET status = $2, reason_sealed = coalesce($3, reason_sealed), updated_at = now() WHERE id = $1',
    [taskId, status, reasonSealed ? Buffer.from(reasonSealed) : null],
  );
}

export async function touchTask(db: Db, taskId: string): Promise<void> {
  await db.query('UPDATE tasks SET updated_at = now() WHERE id = $1', [taskId]);
}

/** A decision may already be there (sent before this transition re-ran after a crash): it is kept. */
export async function markWaitingApproval(db: Db, taskId: string, stepId: string): Promise<void> {
  await db.query(
    `UPDATE task_steps SET status = 'waiting_approval' WHERE task_id = $1 AND step_id = $2 AND approval_decision IS NULL`,
    [taskId, stepId],
  );
}

/** One agent gets each attempt (`agent`); with none connected, the first to ask for pending work does. */
export async function markDispatched(
  db: Db,
  d: { taskId: string; stepId: string; attempt: number; agent: string | null },
): Promise<StepRow | undefined> {
  const { rows } = await db.query<StepRow>(
    `UPDATE task_steps SET status = 'dispatched', attempts = $3, dispatched_to = $4
      WHERE task_id = $1 AND step_id = $2 RETURNING *`,
    [d.taskId, d.stepId, d.attempt, d.agent],
  );
  return rows[0];
}

export async function markStepOutcome(db: Db, taskId: string, stepId: string, succeeded: boolean): Promise<void> {
  await db.query('UPDATE task_steps SET status = $3 WHERE task_id = $1 AND step_id = $2', [
    taskId,
    stepId,
    succeeded ? 'succeeded' : 'failed',
  ]);
}

/** The step that ended the task without running: rejected if a device said so, else expired. */
export async function markUndecided(db: Db, taskId: string, stepId: string): Promise<void> {
  await db.query(
    `UPDATE task_steps SET status = CASE WHEN approval_decision = 'reject' THEN 'rejected' ELSE 'expired' END
      WHERE task_id = $1 AND step_id = $2`,
    [taskId, stepId],
  );
}

export async function skipPendingSteps(db: Db, taskId: string): Promise<void> {
  await db.query(`UPDATE task_steps SET status = 'skipped' WHERE task_id = $1 AND status = 'pending'`, [taskId]);
}

export async function auditKeyOf(db: Db, userId: string): Promise<Buffer | null | undefined> {
  const { rows } = await db.query<{ audit_public_key: Buffer | null }>(
    'SELECT audit_public_key FROM users WHERE id = $1',
    [userId],
  );
  return rows[0]?.audit_public_key;
}

/** Tasks a workflow should be running: after a crash, each is (re)started idempotently. */
export async function unfinishedTasks(db: Db): Promise<{ id: string; user_id: string }[]> {
  const { rows } = await db.query(
    `SELECT id, user_id FROM tasks WHERE status NOT IN ('completed', 'cancelled', 'failed') ORDER BY created_at`,
  );
  return rows;
}

/** Decisions stored but perhaps not yet delivered to their workflow (a crash in between). */
export async function decidedWhileRunning(
  db: Db,
): Promise<{ task_id: string; step_id: string; approval_decision: 'approve' | 'reject' }[]> {
  const { rows } = await db.query(
    `SELECT s.task_id, s.step_id, s.approval_decision FROM task_steps s JOIN tasks t ON t.id = s.task_id
      WHERE t.status NOT IN ('completed', 'cancelled', 'failed') AND s.approval_decision IS NOT NULL`,
  );
  return rows;
}
