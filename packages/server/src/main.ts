#!/usr/bin/env -S node --import tsx
// `npm start`: the Aura server on embedded PostgreSQL, or on DATABASE_URL when it is set.
import { buildApp } from './app.ts';
import { loadConfig } from './config.ts';
import { type EmbeddedDatabase, startEmbeddedPostgres } from './db/embedded.ts';
import { migrate } from './db/migrate.ts';
import { createPool, describeDatabase } from './db/pool.ts';

const say = (line: string) => process.stdout.write(`${line}\n`);

async function main() {
  const config = loadConfig();
  let embedded: EmbeddedDatabase | undefined;
  let databaseUrl = config.databaseUrl;
  if (!databaseUrl) {
    say(`Starting embedded PostgreSQL (data in ${config.dataDir}/postgres, port ${config.embeddedPgPort})…`);
    embedded = await startEmbeddedPostgres(config.dataDir, config.embeddedPgPort);
    databaseUrl = embedded.url;
  }
  const pool = createPool(databaseUrl);
  const applied = await migrate(pool);
  if (applied.length) say(`Applied migrations: ${applied.join(', ')}`);
  const app = await buildApp(config, { pool, orchestration: { databaseUrl } });
  const address = await app.listen({ host: config.host, port: config.port });

  say('');
  say(`Aura server listening on ${address}`);
  say(`  API docs   ${address}/api/docs`);
  say(`  database   ${embedded ? `embedded PostgreSQL, data in ${embedded.dataDir}` : describeDatabase(databaseUrl)}`);
  say(`  workflows  DBOS, executor ${config.orchestration.executorId}`);
  say('Press Ctrl-C to stop.');

  let stopping = false;
  const stop = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    say(`\n${signal}: stopping…`);
    await app.close().catch(() => {});
    await pool.end().catch(() => {});
    if (embedded) await embedded.stop().catch(() => {});
    say('Stopped.');
    process.exit(0);
  };
  process.on('SIGINT', () => void stop('SIGINT'));
  process.on('SIGTERM', () => void stop('SIGTERM'));
}

main().catch((error: Error) => {
  process.stderr.write(`Aura could not start: ${error.message}\n`);
  process.exit(1);
});
