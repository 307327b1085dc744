import { createHash } from 'node:crypto';
import { AuraError } from '@aura/errors';
import type pg from 'pg';

type Db = pg.Pool | pg.PoolClient;

export interface StepRow {
  task_id: string;
  step_id: string;
  position: number;
  requires_approval: boolean;
  ciphertext: Buffer;
  ciphertext_hash: Buffer;
  status: string;
  attempts: number;
  dispatched_to: string | null;
  result_ciphertext: Buffer | null;
  approval_device_id: string | null;
  approval_decision: 'approve' | 'reject' | null;
  approval_expires_at: Date | null;
  approval_signature: Buffer | null;
  approval_decided_at: Date | null;
}

export interface TaskRow {
  id: string;
  user_id: string;
  status: string;
  request_ciphertext: Buffer;
  reason_sealed: Buffer | null;
  created_at: Date;
  updated_at: Date;
}

const b64 = (b: Buffer | null) => (b ? b.toString('base64') : null);

export function approvalView(s: StepRow) {
  if (!s.approval_decision || !s.approval_device_id || !s.approval_expires_at || !s.approval_signature) return null;
  return {
    deviceId: s.approval_device_id,
    decision: s.approval_decision,
    expiresAt: s.approval_expires_at.toISOString(),
    signature: s.approval_signature.toString('base64'),
    decidedAt: (s.approval_decided_at ?? s.approval_expires_at).toISOString(),
  };
}

export function stepView(s: StepRow) {
  return {
    id: s.step_id,
    position: s.position,
    requiresApproval: s.requires_approval,
    status: s.status as never,
    attempts: s.attempts,
    ciphertext: s.ciphertext.toString('base64'),
    hash: s.ciphertext_hash.toString('hex'),
    result: b64(s.result_ciphertext),
    approval: approvalView(s),
  };
}

export function taskView(t: TaskRow, steps: StepRow[]) {
  return {
    id: t.id,
    status: t.status as never,
    request: t.request_ciphertext.toString('base64'),
    reason: b64(t.reason_sealed),
    createdAt: t.created_at.toISOString(),
    updatedAt: t.updated_at.toISOString(),
    steps: steps.map(stepView),
  };
}

/** SQL for tasks; every read is scoped to its user. */
export class TaskRepository {
  constructor(private readonly pool: pg.Pool) {}

  async create(
    db: pg.PoolClient,
    userId: string,
    input: { id: string; request: string; steps: { id: string; requiresApproval: boolean; ciphertext: string }[] },
  ): Promise<boolean> {
    const inserted = await db.query(
      `INSERT INTO tasks (id, user_id, status, request_ciphertext) VALUES ($1, $2, 'running', $3)
       ON CONFLICT (id) DO NOTHING`,
      [input.id, userId, Buffer.from(input.request, 'base64')],
    );
    if (inserted.rowCount === 0) {
      const owner = await db.query('SELECT user_id FROM tasks WHERE id = $1', [input.id]);
      if (owner.rows[0]?.user_id !== userId)
        throw new AuraError('AURA_CONFLICT', 'that task id is taken; choose another');
      return false;
    }
    for (const [position, step] of input.steps.entries()) {
      const ciphertext = Buffer.from(step.ciphertext, 'base64');
      await db.query(
        `INSERT INTO task_steps (task_id, step_id, position, requires_approval, ciphertext, ciphertext_hash)
         VALUES ($1, $2, $3, $4, $5, $6)`,
        [
          input.id,
          step.id,
          position,
          step.requiresApproval,
          ciphertext,
          createHash('sha256').update(ciphertext).digest(),
        ],
      );
    }
    return true;
  }

  async task(userId: string, taskId: string, db: Db = this.pool): Promise<TaskRow> {
    const { rows } = await db.query<TaskRow>('SELECT * FROM tasks WHERE id = $1 AND user_id = $2', [taskId, userId]);
    if (!rows[0]) throw new AuraError('AURA_NOT_FOUND', 'no such task in this account');
    return rows[0];
  }

  async steps(taskId: string, db: Db = this.pool): Promise<StepRow[]> {
    const { rows } = await db.query<StepRow>('SELECT * FROM task_steps WHERE task_id = $1 ORDER BY position', [taskId]);
    return rows;
  }

  async step(taskId: string, stepId: string, db: Db = this.pool, lock = false): Promise<StepRow> {
    const { rows } = await db.query<StepRow>(
      `SELECT * FROM task_steps WHERE task_id = $1 AND step_id = $2${lock ? ' FOR UPDATE' : ''}`,
      [taskId, stepId],
    );
    if (!rows[0]) throw new AuraError('AURA_NOT_FOUND', 'no such step in this task');
    return rows[0];
  }

  async list(userId: string, limit: number) {
    const { rows } = await this.pool.query<TaskRow & { step_count: number; waiting: number }>(
      `SELECT t.*, (SELECT count(*)::int FROM task_steps s WHERE s.task_id = t.id) AS step_count,
              (SELECT count(*)::int FROM task_steps s WHERE s.task_id = t.id AND s.status = 'waiting_approval') AS waiting
         FROM tasks t WHERE t.user_id = $1 ORDER BY t.created_at DESC, t.id LIMIT $2`,
      [userId, limit],
    );
    return rows.map((t) => ({
      id: t.id,
      status: t.status as never,
      reason: b64(t.reason_sealed),
      createdAt: t.created_at.toISOString(),
      updatedAt: t.updated_at.toISOString(),
      steps: t.step_count,
      waitingApproval: t.waiting,
    }));
  }

  async setTask(db: Db, taskId: string, status: string, reasonSealed?: Uint8Array) {
    await db.query(
      'UPDATE tasks SET status = $2, reason_sealed = coalesce($3, reason_sealed), updated_at = now() WHERE id = $1',
      [taskId, status, reasonSealed ? Buffer.from(reasonSealed) : null],
    );
  }

  /** Steps sent to the agent and not yet answered, with what the agent needs to check them. */
  /**
   * Attempts sent to this agent device, or to none (no agent was connected): those are claimed
   * for this device in the same statement, so two agents never both get one.
   */
  async dispatched(userId: string, deviceId: string | null) {
    if (!deviceId) return [];
    const { rows } = await this.pool.query<StepRow>(
      `UPDATE task_steps s SET dispatched_to = $2
         FROM tasks t
        WHERE t.id = s.task_id AND t.user_id = $1 AND t.status = 'running' AND s.status = 'dispatched'
          AND (s.dispatched_to IS NULL OR s.dispatched_to = $2)
        RETURNING s.*, t.created_at AS task_created_at`,
      [userId, deviceId],
    );
    return (rows as (StepRow & { task_created_at: Date })[]).sort(
      (a, b) => a.task_created_at.getTime() - b.task_created_at.getTime() || a.position - b.position,
    );
  }

  /** Tasks a workflow should be running: after a crash, each is (re)started idempotently. */
  async unfinished(): Promise<{ id: string; user_id: string }[]> {
    const { rows } = await this.pool.query(
      `SELECT id, user_id FROM tasks WHERE status NOT IN ('completed', 'cancelled', 'failed') ORDER BY created_at`,
    );
    return rows;
  }

  /** Decisions stored but perhaps not yet delivered to their workflow (a crash in between). */
  async decidedWhileRunning(): Promise<{ task_id: string; step_id: string; approval_decision: string }[]> {
    const { rows } = await this.pool.query(
      `SELECT s.task_id, s.step_id, s.approval_decision FROM task_steps s JOIN tasks t ON t.id = s.task_id
        WHERE t.status NOT IN ('completed', 'cancelled', 'failed') AND s.approval_decision IS NOT NULL`,
    );
    return rows;
  }
}
