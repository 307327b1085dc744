import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { startEmbeddedPostgres } from '../../src/db/embedded.ts';

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

async function reachable(url: string): Promise<boolean> {
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 2000 });
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

export async function freshDatabase(): Promise<TestDatabase> {
  let adminUrl = ADMIN_URL;
  let kind: TestDatabase['kind'] = 'server';
  let stopEmbedded: (() => Promise<void>) | undefined;
  if (!(await reachable(adminUrl))) {
    const message = `PostgreSQL is not reachable at ${new URL(adminUrl).host}`;
    if (process.env.CI === 'true') throw new Error(`${message}; CI needs the real server`);
    console.warn(`\n!!! ${message}: falling back to embedded PostgreSQL for this test file\n`);
    const dir = mkdtempSync(join(tmpdir(), 'aura-test-pg-'));
    const port = 20000 + Math.floor(Math.random() * 20000);
    const embedded = await startEmbeddedPostgres(dir, port);
    adminUrl = embedded.url;
    kind = 'embedded';
    stopEmbedded = async () => {
      await embedded.stop();
      rmSync(dir, { recursive: true, force: true });
    };
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
