import type pg from 'pg';

/** Every stored entry of the user's log, in index order, for the server's own integrity report. */
export async function allLeaves(db: pg.Pool | pg.PoolClient, userId: string) {
  const { rows } = await db.query<{ idx: string; leaf_input: Buffer }>(
    'SELECT idx, leaf_input FROM audit_entries WHERE user_id = $1 ORDER BY idx',
    [userId],
  );
  return rows;
}
