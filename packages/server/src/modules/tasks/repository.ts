import { createHash } from 'node:crypto';
import { AuraError } from '@aura/errors';
import type { CreateTask } from '@aura/protocol';
import type pg from 'pg';
import { fromBase64 } from '../../base64.ts';
import { type StepRow, summaryView, type TaskRow } from './views.ts';

type Db = pg.Pool | pg.PoolClient;

/** The tasks API's SQL; every read and write is keyed by its user as well as its ids. */
export class TaskRepository {
  constructor(private readonly pool: pg.Pool) {}

  /**
   * False when this account already has the task (a retried submit). Ids are per account: another
   * account's task with the same id is none of this one's business, and makes no difference here.
   */
  async create(db: pg.PoolClient, userId: string, input: CreateTask): Promise<boolean> {
    const inserted = await db.query(
      `INSERT INTO tasks (id, user_id, status, request_ciphertext) VALUES ($1, $2, 'running', $3)
       ON CONFLICT (user_id, id) DO NOTHING`,
      [input.id, userId, fromBase64(input.request)],
    );
    if (inserted.rowCount === 0) return false;
    for (const [position, step] of input.steps.entries()) {
      const ciphertext = fromBase64(step.ciphertext);
      await db.query(
        `INSERT INTO task_steps (user_id, task_id, step_id, position, requires_approval, ciphertext, ciphertext_hash)
         VALUES ($1, $2, $3, $4, $5, $6, $7)`,
        [
          userId,
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

  async steps(userId: string, taskId: string, db: Db = this.pool): Promise<StepRow[]> {
    const { rows } = await db.query<StepRow>(
      'SELECT * FROM task_steps WHERE user_id = $1 AND task_id = $2 ORDER BY position',
      [userId, taskId],
    );
    return rows;
  }

  async step(userId: string, taskId: string, stepId: string, db: Db = this.pool, lock = false): Promise<StepRow> {
    const { rows } = await db.query<StepRow>(
      `SELECT * FROM task_steps WHERE user_id = $1 AND task_id = $2 AND step_id = $3${lock ? ' FOR UPDATE' : ''}`,
      [userId, taskId, stepId],
    );
    if (!rows[0]) throw new AuraError('AURA_NOT_FOUND', 'no such step in this task');
    return rows[0];
  }

  async list(userId: string, limit: number) {
    const { rows } = await this.pool.query<TaskRow & { step_count: number; waiting: number }>(
      `SELECT t.*, (SELECT count(*)::int FROM task_steps s WHERE s.user_id = t.user_id AND s.task_id = t.id) AS step_count,
              (SELECT count(*)::int FROM task_steps s
                WHERE s.user_id = t.user_id AND s.task_id = t.id AND s.status = 'waiting_approval') AS waiting
         FROM tasks t WHERE t.user_id = $1 ORDER BY t.created_at DESC, t.id LIMIT $2`,
      [userId, limit],
    );
    return rows.map(summaryView);
  }

  /** The approving device's key, if it is a device of the account; `revoked_at` says whether it still counts. */
  async approver(db: Db, userId: string, deviceId: string) {
    const { rows } = await db.query<{ signing_public_key: Buffer; revoked_at: Date | null }>(
      'SELECT signing_public_key, revoked_at FROM devices WHERE id = $1 AND user_id = $2',
      [deviceId, userId],
    );
    return rows[0];
  }

  async recordDecision(
    db: Db,
    d: {
      userId: string;
      taskId: string;
      stepId: string;
      deviceId: string;
      decision: 'approve' | 'reject';
      expiresAt: Date;
      signature: Buffer;
    },
  ): Promise<void> {
    await db.query(
      `UPDATE task_steps SET approval_device_id = $4, approval_decision = $5, approval_expires_at = $6,
              approval_signature = $7, approval_decided_at = now(), status = $8
        WHERE user_id = $1 AND task_id = $2 AND step_id = $3`,
      [
        d.userId,
        d.taskId,
        d.stepId,
        d.deviceId,
        d.decision,
        d.expiresAt,
        d.signature,
        d.decision === 'approve' ? 'approved' : 'rejected',
      ],
    );
  }

  /**
   * Stored only for the attempt now running; a late answer to an attempt that timed out, or to
   * a finished task, changes nothing. The task's row when it was stored, undefined when not.
   */
  async storeResult(
    userId: string,
    r: { taskId: string; stepId: string; attempt: number; result: Buffer },
  ): Promise<TaskRow | undefined> {
    const { rows } = await this.pool.query<TaskRow>(
      `UPDATE task_steps s SET result_ciphertext = $4
         FROM tasks t
        WHERE t.user_id = s.user_id AND t.id = s.task_id AND s.user_id = $3 AND s.task_id = $1 AND s.step_id = $2
          AND t.status = 'running' AND s.status = 'dispatched' AND s.attempts = $5
        RETURNING t.*`,
      [r.taskId, r.stepId, userId, r.result, r.attempt],
    );
    return rows[0];
  }
}
