import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type pg from 'pg';
import { absent } from './skip.ts';

/**
 * A fresh database for one test file: on the real PostgreSQL named by AURA_TEST_DATABASE_URL
 * (default postgres://postgres@127.0.0.1:5432/postgres). When that server is absent the tests
 * fall back, loudly, to embedded PostgreSQL — except under CI=true, where absence fails.
 */
export interface TestDatabase {
  url: string;
  kind: 'server' | 'embedded';
  drop(): Promise<void>;
}

const ADMIN_URL = process.env.AURA_TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';

// pg and the server are loaded when a suite asks for a database, not by every suite that
// imports @aura/testing for something else.
const postgres = async () => (await import('pg')).default;

async function reachable(url: string): Promise<boolean> {
  const client = new (await postgres()).Client({ connectionString: url, connectionTimeoutMillis: 2000 });
  try {
    await client.connect();
    await client.end();
    return true;
  } catch {
    return false;
  }
}

function withDatabase(url: string, name: string): string {
  const u = new URL(url);
  u.pathname = `/${name}`;
  return u.toString();
}

async function embedded(): Promise<{ url: string; stop(): Promise<void> }> {
  const { startEmbeddedPostgres } = await import('@aura/server');
  const dir = mkdtempSync(join(tmpdir(), 'aura-test-pg-'));
  const port = 20000 + Math.floor(Math.random() * 20000);
  const server = await startEmbeddedPostgres(dir, port);
  return {
    url: server.url,
    async stop() {
      await server.stop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

export async function freshDatabase(): Promise<TestDatabase> {
  const pg = await postgres();
  let adminUrl = ADMIN_URL;
  let kind: TestDatabase['kind'] = 'server';
  let stopEmbedded: (() => Promise<void>) | undefined;
  if (!(await reachable(adminUrl))) {
    absent(`PostgreSQL is not reachable at ${new URL(adminUrl).host}`, 'falling back to embedded PostgreSQL');
    const started = await embedded();
    adminUrl = started.url;
    kind = 'embedded';
    stopEmbedded = started.stop;
  }
  const name = `aura_test_${randomBytes(6).toString('hex')}`;
  const admin = new pg.Client({ connectionString: adminUrl });
  await admin.connect();
  await admin.query(`CREATE DATABASE ${name}`);
  await admin.end();
  return {
    url: withDatabase(adminUrl, name),
    kind,
    async drop() {
      const client = new pg.Client({ connectionString: adminUrl });
      await client.connect();
      await client.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      await client.end();
      await stopEmbedded?.();
    },
  };
}

/**
 * A pool on a test database, opened as the server opens its own (fails fast, survives idle drops),
 * but named as a test's: an operation that waits for the servers to stop does not wait for it.
 */
export async function databasePool(url: string): Promise<pg.Pool> {
  const { createPool } = await import('@aura/server');
  return createPool(url, 10, 'aura-test');
}

/** A fresh database with the server's schema, for suites that start the server as its own process. */
export async function migratedDatabase(): Promise<TestDatabase> {
  const db = await freshDatabase();
  const { createPool, migrate } = await import('@aura/server');
  const pool = createPool(db.url);
  try {
    await migrate(pool);
  } finally {
    await pool.end();
  }
  return db;
}
