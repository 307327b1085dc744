import pg from 'pg';

/** What a server process's connections are called in pg_stat_activity (an operation checks for them). */
export const SERVER_APPLICATION = 'aura-server';

/** A pool that fails fast with a message naming the database, never its password. */
export function createPool(url: string, max = 10, application = SERVER_APPLICATION): pg.Pool {
  const pool = new pg.Pool({
    connectionString: url,
    max,
    connectionTimeoutMillis: 5000,
    idleTimeoutMillis: 30_000,
    application_name: application,
  });
  // An idle client losing its connection must not crash the server; the next query reconnects.
  pool.on('error', () => {});
  return pool;
}

export function describeDatabase(url: string): string {
  try {
    const u = new URL(url);
    return `${u.protocol}//${u.username ? `${u.username}@` : ''}${u.host}${u.pathname}`;
  } catch {
    return 'the configured database';
  }
}
