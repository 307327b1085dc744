import type pg from 'pg';
import { withTransaction } from '../db/transaction.ts';
import type { StepRow } from '../modules/tasks/views.ts';

/** The SQL of the agent's queue: requests to plan and step attempts to run. */
type Db = pg.Pool | pg.PoolClient;

/**
 * Queues a request, claimed by `agent` when one is connected. False when this account already
 * queued it (a retried post): request ids are per account, so another account's is no conflict.
 */
export async function queueRequest(
  db: Db,
  r: { id: string; userId: string; ciphertext: Buffer; agent: string | null },
): Promise<boolean> {
  const inserted = await db.query(
    `INSERT INTO agent_requests (id, user_id, ciphertext, claimed_by) VALUES ($1, $2, $3, $4)
     ON CONFLICT (user_id, id) DO NOTHING`,
    [r.id, r.userId, r.ciphertext, r.agent],
  );
  return inserted.rowCount !== 0;
}

export async function markRequestDone(db: Db, userId: string, requestId: string): Promise<boolean> {
  const done = await db.query(`UPDATE agent_requests SET status = 'done' WHERE id = $1 AND user_id = $2`, [
    requestId,
    userId,
  ]);
  return done.rowCount !== 0;
}

/**
 * The work waiting for this agent device, claimed for it: queued requests and dispatched attempts
 * that are its own already or no one's yet. Null when the device was revoked.
 *
 * Each kind is one UPDATE over a CTE that locks its rows FOR UPDATE SKIP LOCKED, in one order: a
 * row another claim (or a transition) holds is left to that one, so no claim ever waits on a row,
 * no two claims deadlock, and no row is handed to two devices (a claim that locks a row after
 * another committed re-checks it, and sees it taken). The device's own row is locked FOR SHARE
 * first: a revocation that releases the device's work waits for the claim, or the claim sees the
 * revocation, so no work is claimed by a device just revoked and left stranded with it.
 */
export async function claimWork(
  pool: pg.Pool,
  userId: string,
  deviceId: string,
): Promise<{ requests: RequestRow[]; dispatches: StepRow[] } | null> {
  return withTransaction(pool, async (db) => {
    const device = await db.query(
      'SELECT 1 FROM devices WHERE id = $1 AND user_id = $2 AND revoked_at IS NULL FOR SHARE',
      [deviceId, userId],
    );
    if (!device.rowCount) return null;
    const requests = await db.query<RequestRow>(
      `WITH mine AS (
         SELECT user_id, id FROM agent_requests
          WHERE user_id = $1 AND status = 'queued' AND (claimed_by IS NULL OR claimed_by = $2)
          ORDER BY created_at, id
          FOR UPDATE SKIP LOCKED)
       UPDATE agent_requests r SET claimed_by = $2 FROM mine
        WHERE r.user_id = mine.user_id AND r.id = mine.id
       RETURNING r.id, r.ciphertext, r.created_at`,
      [userId, deviceId],
    );
    const dispatches = await db.query<StepRow & { task_created_at: Date }>(
      `WITH mine AS (
         SELECT s.user_id, s.task_id, s.step_id, t.created_at AS task_created_at
           FROM task_steps s JOIN tasks t ON t.user_id = s.user_id AND t.id = s.task_id
          WHERE s.user_id = $1 AND t.status = 'running' AND s.status = 'dispatched'
            AND (s.dispatched_to IS NULL OR s.dispatched_to = $2)
          ORDER BY t.created_at, s.task_id, s.position
          FOR UPDATE OF s SKIP LOCKED)
       UPDATE task_steps s SET dispatched_to = $2 FROM mine
        WHERE s.user_id = mine.user_id AND s.task_id = mine.task_id AND s.step_id = mine.step_id
       RETURNING s.*, mine.task_created_at`,
      [userId, deviceId],
    );
    // RETURNING keeps no order: oldest first, as the agent works through them.
    return {
      requests: requests.rows.sort((a, b) => a.created_at.getTime() - b.created_at.getTime() || compare(a.id, b.id)),
      dispatches: dispatches.rows.sort(
        (a, b) =>
          a.task_created_at.getTime() - b.task_created_at.getTime() ||
          compare(a.task_id, b.task_id) ||
          a.position - b.position,
      ),
    };
  });
}

interface RequestRow {
  id: string;
  ciphertext: Buffer;
  created_at: Date;
}

const compare = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);
