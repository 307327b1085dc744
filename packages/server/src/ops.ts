#!/usr/bin/env -S node --import tsx
// `aura backup FILE`, `aura restore FILE` and `aura server-key rotate log|token` (or `node --import
// tsx packages/server/src/ops.ts VERB ...`): run where the server's data is, with the server's
// variables — DATABASE_URL for an external PostgreSQL, else the embedded one in AURA_DATA_DIR on
// AURA_PG_PORT. A backup works while the server runs (it reads one snapshot); a restore goes into
// an empty database; a key rotation needs every server process stopped.
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { isAuraError } from '@aura/errors';
import { DBOS } from '@dbos-inc/dbos-sdk';
import pg from 'pg';
import { rotateLogKey } from './audit/signer.ts';
import { loadConfig } from './config.ts';
import { restoreBackup, writeBackup } from './db/backup.ts';
import { type EmbeddedDatabase, embeddedUrl, startEmbeddedPostgres } from './db/embedded.ts';
import { migrate } from './db/migrate.ts';
import { createPool, describeDatabase, SERVER_APPLICATION } from './db/pool.ts';
import { explainStartupFailure } from './db/startup-error.ts';
import { rotateTokenKey } from './modules/auth/server-keys.ts';
import { withIdleTransactionTimeout } from './workflow/orchestrator.ts';

const say = (line: string) => process.stderr.write(`${line}\n`);
const USAGE = 'usage: aura backup FILE | aura restore FILE | aura server-key rotate log|token';

/** Whether PostgreSQL answers at `url` (the embedded one of a running server does). */
async function answers(url: string): Promise<boolean> {
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 2000 });
  try {
    await client.connect();
    return true;
  } catch {
    return false;
  } finally {
    await client.end().catch(() => {});
  }
}

/** The server's database: DATABASE_URL, the running server's embedded one, or the embedded one started here. */
async function database(): Promise<{ url: string; embedded?: EmbeddedDatabase }> {
  const config = loadConfig();
  if (config.databaseUrl) return { url: config.databaseUrl };
  const running = embeddedUrl(config.embeddedPgPort);
  if (existsSync(resolve(config.dataDir, 'postgres', 'postmaster.pid')) && (await answers(running)))
    return { url: running };
  say(`Starting embedded PostgreSQL (data in ${config.dataDir}/postgres, port ${config.embeddedPgPort})…`);
  const embedded = await startEmbeddedPostgres(config.dataDir, config.embeddedPgPort, say);
  return { url: embedded.url, embedded };
}

/** The server processes connected to this database (each holds at least its wake-up channel's connection). */
async function runningServers(pool: pg.Pool): Promise<number> {
  const { rows } = await pool.query<{ n: number }>(
    `SELECT count(*)::int AS n FROM pg_stat_activity
      WHERE datname = current_database() AND application_name = $1 AND pid <> pg_backend_pid()`,
    [SERVER_APPLICATION],
  );
  return rows[0]?.n ?? 0;
}

/** `server-key rotate log|token`: a new key, with every server process stopped. */
async function rotate(pool: pg.Pool, which: string): Promise<number> {
  const connected = await runningServers(pool);
  if (connected > 0) {
    say(
      `aura: a server is running on this database (${connected} of its connections are open): stop every server process, rotate, then start them again. A running server would go on using the old key.`,
    );
    return 3;
  }
  // This release's schema (the rotations' table), as the servers it starts next would make it.
  await migrate(pool);
  if (which === 'log') {
    const done = await rotateLogKey(pool, loadConfig().auditLogName);
    say(
      `Rotated the audit log key (rotation ${done.sequence + 1}): the old key signed its successor, and the newest checkpoint of ${done.accounts} account${done.accounts === 1 ? '' : 's'} is signed again by the new key. Devices follow the rotation at their next sync. Start the servers again.`,
    );
  } else {
    await rotateTokenKey(pool);
    say(
      'Replaced the access-token key: tokens signed by the old one are refused, and devices get new ones with their refresh tokens. Start the servers again.',
    );
  }
  return 0;
}

async function main(verb: string | undefined, file: string | undefined, extra?: string): Promise<number> {
  const rotating = verb === 'server-key' && file === 'rotate' && (extra === 'log' || extra === 'token');
  if (!rotating && ((verb !== 'backup' && verb !== 'restore') || !file)) {
    say(USAGE);
    return 2;
  }
  const path = resolve(file ?? '');
  if (verb === 'restore' && !existsSync(path)) {
    say(`aura: ${path} does not exist`);
    return 2;
  }
  const { url, embedded } = await database();
  const pool = createPool(url, 2, 'aura-ops');
  try {
    if (rotating) return await rotate(pool, extra);
    if (verb === 'backup') {
      say(`Backing up ${embedded ? 'the embedded PostgreSQL' : describeDatabase(url)} to ${path}…`);
      const done = await writeBackup(pool, path, say);
      say(`Backed up ${done.rows} rows of ${done.tables} tables (schema ${done.migrations.at(-1)}) to ${path}.`);
    } else {
      say(
        `Restoring ${path} into ${embedded ? `the embedded PostgreSQL in ${embedded.dataDir}` : describeDatabase(url)}…`,
      );
      const done = await restoreBackup(pool, path, {
        prepare: async () => {
          const applied = await migrate(pool);
          // The workflow engine's tables, made as its own launch would make them.
          await DBOS.migrate(withIdleTransactionTimeout(url));
          return applied;
        },
        onProgress: say,
      });
      say(`Restored ${done.rows} rows of ${done.tables} tables. Start the server on it: npm start`);
    }
    return 0;
  } finally {
    await pool.end();
    await embedded?.stop();
  }
}

main(process.argv[2], process.argv[3], process.argv[4]).then(
  (code) => process.exit(code),
  (error: unknown) => {
    if (isAuraError(error)) say(`aura: ${error.message} (${error.code})`);
    else process.stderr.write(explainStartupFailure(error));
    process.exit(1);
  },
);
