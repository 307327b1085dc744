import type pg from 'pg';

/**
 * Keeps the first value ever stored under `name` in server_keys and returns it. Two servers
 * starting at once both offer a candidate: the first insert wins and both read the winner.
 */
export async function keepFirstServerKey<T>(pool: pg.Pool, name: string, candidate: T): Promise<T> {
  await pool.query('INSERT INTO server_keys (name, value) VALUES ($1, $2) ON CONFLICT (name) DO NOTHING', [
    name,
    JSON.stringify(candidate),
  ]);
  const { rows } = await pool.query<{ value: T }>('SELECT value FROM server_keys WHERE name = $1', [name]);
  if (!rows[0]) throw new Error(`server key ${name} could not be stored`);
  return rows[0].value;
}
