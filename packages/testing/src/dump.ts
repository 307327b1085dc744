import { execFileSync } from 'node:child_process';

/**
 * Everything the database holds, as text: pg_dump when its version can read the server,
 * otherwise every row of every table as JSON (bytea as hex, as pg_dump writes it).
 */
export async function dumpDatabase(url: string): Promise<string> {
  try {
    return execFileSync('pg_dump', ['--no-owner', url], {
      encoding: 'utf8',
      maxBuffer: 512 * 1024 * 1024,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
  } catch {
    const { default: pg } = await import('pg');
    const client = new pg.Client({ connectionString: url });
    await client.connect();
    const tables = await client.query<{ tablename: string }>(
      "SELECT tablename FROM pg_tables WHERE schemaname = 'public'",
    );
    const parts: string[] = [];
    for (const { tablename } of tables.rows) {
      const rows = await client.query(`SELECT row_to_json(t)::text AS j FROM "${tablename}" t`);
      parts.push(`-- ${tablename}`, ...rows.rows.map((r) => r.j as string));
    }
    await client.end();
    return parts.join('\n');
  }
}

/** The forms a secret could take in a dump or a log: as given, hex, base64, base64url. */
export function forms(secret: string | Uint8Array): string[] {
  if (typeof secret === 'string') return [secret, Buffer.from(secret).toString('hex')];
  const b = Buffer.from(secret);
  return [b.toString('hex'), b.toString('base64'), b.toString('base64url')];
}
