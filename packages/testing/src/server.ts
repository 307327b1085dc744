import { Writable } from 'node:stream';
import type { AppDependencies, ServerConfig } from '@aura/server';
import type { FastifyInstance } from 'fastify';
import type pg from 'pg';
import { freshDatabase, type TestDatabase } from './database.ts';

export interface TestServer {
  app: FastifyInstance;
  pool: pg.Pool;
  db: TestDatabase;
  config: ServerConfig;
  /** Every JSON log line the app wrote. */
  logs: string[];
  close(): Promise<void>;
}

/** The whole app on a fresh database, driven through inject(); limits raised unless a test sets them. */
export async function startTestServer(
  env: Record<string, string> = {},
  options: {
    database?: TestDatabase;
    beforeReady?: (app: FastifyInstance, config: ServerConfig) => void;
    /** Run tasks with DBOS on the test database. */
    orchestration?: boolean;
  } = {},
): Promise<TestServer> {
  // Loaded here: the server (Fastify, DBOS) is a second and a half that only these suites pay.
  const { buildApp, createPool, loadConfig, migrate } = await import('@aura/server');
  const existing = options.database;
  const db = existing ?? (await freshDatabase());
  const config = loadConfig({
    AURA_RATE_LIMIT_DEFAULT: '100000',
    AURA_LOGIN_FAILURES_BEFORE_BACKOFF: '1000',
    AURA_LOG_LEVEL: 'info',
    ...env,
  });
  const pool = createPool(db.url);
  await migrate(pool);
  const logs: string[] = [];
  const logStream = new Writable({
    write(chunk, _encoding, callback) {
      logs.push(String(chunk));
      callback();
    },
  });
  const dependencies: AppDependencies = {
    pool,
    logStream,
    ...(options.orchestration ? { orchestration: { databaseUrl: db.url } } : {}),
  };
  const app = await buildApp(config, dependencies);
  options.beforeReady?.(app, config);
  await app.ready();
  return {
    app,
    pool,
    db,
    config,
    logs,
    async close() {
      await app.close();
      await pool.end();
      if (!existing) await db.drop();
    },
  };
}

/** Two apps on one fresh database, as two server processes would share it; each app gets its own env on top of `env`. */
export interface ServerPair {
  db: TestDatabase;
  a: TestServer;
  b: TestServer;
  close(): Promise<void>;
}

export async function startServerPair(
  env: Record<string, string>,
  own: { a?: Record<string, string>; b?: Record<string, string> } = {},
): Promise<ServerPair> {
  const db = await freshDatabase();
  const a = await startTestServer({ ...env, ...own.a }, { database: db });
  const b = await startTestServer({ ...env, ...own.b }, { database: db });
  return {
    db,
    a,
    b,
    async close() {
      await a.close();
      await b.close();
      await db.drop();
    },
  };
}
