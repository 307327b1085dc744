import assert from 'node:assert/strict';
import { it } from 'node:test';
import { databasePool, freshDatabase } from '@aura/testing';
import type pg from 'pg';
import { migrate, migrationNames } from '../src/index.ts';

/** What a schema is, as a comparable text: tables' columns, constraints, indexes, views, functions. */
async function schemaOf(pool: pg.Pool): Promise<string> {
  const parts = await Promise.all([
    pool.query(`SELECT table_name, column_name, data_type, is_nullable, column_default
                  FROM information_schema.columns WHERE table_schema = 'public' ORDER BY 1, 2`),
    pool.query(`SELECT c.conrelid::regclass::text AS tbl, c.conname, pg_get_constraintdef(c.oid) AS def
                  FROM pg_constraint c JOIN pg_namespace n ON n.oid = c.connamespace
                 WHERE n.nspname = 'public' ORDER BY 1, 2`),
    pool.query(`SELECT tablename, indexname, indexdef FROM pg_indexes WHERE schemaname = 'public' ORDER BY 1, 2`),
    pool.query(`SELECT matviewname, definition FROM pg_matviews WHERE schemaname = 'public' ORDER BY 1`),
    pool.query(`SELECT p.proname, pg_get_functiondef(p.oid) AS def FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace
                 WHERE n.nspname = 'public' ORDER BY 1`),
  ]);
  return parts.map((p) => JSON.stringify(p.rows)).join('\n');
}

it('every earlier schema upgrades to exactly the schema a fresh install gets, one forward-only step at a time', {
  timeout: 300_000,
}, async () => {
  const names = migrationNames();
  assert.ok(names.length >= 2, 'there are migrations to upgrade through');
  const fresh = await freshDatabase();
  const freshPool = await databasePool(fresh.url);
  let expected: string;
  try {
    assert.deepEqual(await migrate(freshPool), names);
    expected = await schemaOf(freshPool);
  } finally {
    await freshPool.end();
    await fresh.drop();
  }
  // A database left at each earlier release (stopped after migration k), then started on this one.
  for (const [k, last] of names.slice(0, -1).entries()) {
    const db = await freshDatabase();
    const pool = await databasePool(db.url);
    try {
      assert.deepEqual(await migrate(pool, { through: last }), names.slice(0, k + 1));
      assert.deepEqual(await migrate(pool), names.slice(k + 1), `the upgrade from ${last} applies the rest, in order`);
      assert.equal(await schemaOf(pool), expected, `upgraded from ${last}, the schema is a fresh install's`);
      assert.deepEqual(await migrate(pool), [], 'and nothing is applied twice');
    } finally {
      await pool.end();
      await db.drop();
    }
  }
});
