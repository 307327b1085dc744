import { readdirSync, readFileSync } from 'node:fs';
import type pg from 'pg';

const MIGRATIONS = new URL('../../migrations/', import.meta.url);
// One number for every Aura server: concurrent starts wait for each other here.
const LOCK_ID = 0x4155_5241;

/**
 * Applies the versioned SQL files in migrations/ that this database has not seen, each in
 * its own transaction, under an advisory lock. Returns the names applied.
 */
export async function migrate(pool: pg.Pool, options: { through?: string } = {}): Promise<string[]> {
  const client = await pool.connect();
  try {
    await client.query('SELECT pg_advisory_lock($1)', [LOCK_ID]);
    await client.query(
      'CREATE TABLE IF NOT EXISTS schema_migrations (name text PRIMARY KEY, applied_at timestamptz NOT NULL DEFAULT now())',
    );
    const done = new Set(
      (await client.query<{ name: string }>('SELECT name FROM schema_migrations')).rows.map((r) => r.name),
    );
    const files = migrationNames();
    const applied: string[] = [];
    for (const file of files) {
      // `through`: stop after that file, as an older release would (the upgrade tests start there).
      if (options.through !== undefined && file > options.through) break;
      if (done.has(file)) continue;
      await client.query('BEGIN');
      try {
        await client.query(readFileSync(new URL(file, MIGRATIONS), 'utf8'));
        await client.query('INSERT INTO schema_migrations (name) VALUES ($1)', [file]);
        await client.query('COMMIT');
      } catch (error) {
        await client.query('ROLLBACK');
        throw new Error(`migration ${file} failed: ${(error as Error).message}`);
      }
      applied.push(file);
    }
    return applied;
  } finally {
    await client.query('SELECT pg_advisory_unlock($1)', [LOCK_ID]).catch(() => {});
    client.release();
  }
}

/** The names of the migrations this release has, in the order they apply. */
export function migrationNames(): string[] {
  return readdirSync(MIGRATIONS)
    .filter((f) => /^\d{3}_[a-z0-9_]+\.sql$/.test(f))
    .sort();
}
