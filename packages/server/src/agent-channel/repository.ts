import type pg from 'pg';
import type { StepRow } from '../modules/tasks/views.ts';

/** The SQL of the agent's queue: requests to plan and step attempts to run. */
type Db = pg.Pool | pg.PoolClient;

/**
 * Queues a request, claimed by `agent` when one is connected. False when the id was already
 * there; throws nothing itself: the caller decides what a taken id means.
 */
export async function queueRequest(
  db: Db,
  r: { id: string; userId: string; ciphertext: Buffer; agent: string | null },
): Promise<boolean> {
  const inserted = await db.query(
    `INSERT INTO agent_requests (id, user_id, ciphertext, claimed_by) VALUES ($1, $2, $3, $4) ON CONFLICT (id) DO NOTHING`,
    [r.id, r.userId, r.ciphertext, r.agent],
  );
  return inserted.rowCount !== 0;
}

export async function requestOwner(db: Db, requestId: string): Promise<string | undefined> {
  const { rows } = await db.query<{ user_id: string }>('SELECT user_id FROM agent_requests WHERE id = $1', [requestId]);
  return rows[0]?.user_id;
}

export async function markRequestDone(db: Db, userId: string, requestId: string): Promise<boolean> {
  const done = await db.query(`UPDATE agent_requests SET status = 'done' WHERE id = $1 AND user_id = $2`, [
    requestId,
    userId,
  ]);
  return done.rowCount !== 0;
}

/** Queued requests, claimed for this device in the same statement; oldest first. */
export async function claimRequests(db: Db, userId: string, deviceId: string | null) {
  const { rows } = await db.query<{ id: string; ciphertext: Buffer; created_at: Date }>(
    `UPDATE agent_requests SET claimed_by = $2
      WHERE user_id = $1 AND status = 'queued' AND $2::uuid IS NOT NULL AND (claimed_by IS NULL OR claimed_by = $2)
      RETURNING id, ciphertext, created_at`,
    [userId, deviceId],
  );
  return rows.sort((a, b) => a.created_at.getTime() - b.created_at.getTime());
}

/**
 * Attempts sent to this agent device, or to none (no agent was connected): those are claimed
 * for this device in the same statement, so two agents never both get one.
 */
export async function claimDispatches(db: Db, userId: string, deviceId: string | null): Promise<StepRow[]> {
  if (!deviceId) return [];
  const { rows } = await db.query<StepRow & { task_created_at: Date }>(
    `UPDATE task_steps s SET dispatched_to = $2
       FROM tasks t
      WHERE t.id = s.task_id AND t.user_id = $1 AND t.status = 'running' AND s.status = 'dispatched'
        AND (s.dispatched_to IS NULL OR s.dispatched_to = $2)
      RETURNING s.*, t.created_at AS task_created_at`,
    [userId, deviceId],
  );
  return rows.sort((a, b) => a.task_created_at.getTime() - b.task_created_at.getTime() || a.position - b.position);
}
