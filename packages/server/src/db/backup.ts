import { once } from 'node:events';
import { createReadStream, createWriteStream, renameSync, rmSync } from 'node:fs';
import { createInterface } from 'node:readline';
import { createGunzip, createGzip } from 'node:zlib';
import { AuraError } from '@aura/errors';
import type pg from 'pg';

/**
 * A logical backup of the server's database, made through its own connection: every row of
 * Aura's tables and of DBOS's (the workflows of tasks under way), read in one snapshot, written
 * as gzipped JSON lines. It needs no pg_dump of the server's version (the embedded PostgreSQL is
 * newer than any the system packages ship), and it restores into any PostgreSQL that the
 * migrations run on. Everything in it is what the server holds anyway: ciphertext, hashes,
 * public keys and metadata.
 *
 * The file: a header line (format, version, migrations, partitions), then per table a line
 * naming it and its columns followed by one line per row, then a footer with each table's count,
 * so that a cut-off file is refused rather than half restored.
 */

export const BACKUP_FORMAT = 'aura-backup';
export const BACKUP_VERSION = 1;

/** The schemas a backup covers: Aura's own and the workflow engine's. */
const SCHEMAS = ['public', 'dbos'];
/** Bookkeeping each side writes for itself: the migrations that ran. */
const OWN_BOOKKEEPING = new Set(['public.schema_migrations', 'dbos.dbos_migrations']);
const FETCH_ROWS = 500;
const INSERT_ROWS = 500;

interface Table {
  name: string;
  columns: string[];
  dependsOn: string[];
}

interface Partition {
  parent: string;
  name: string;
  bound: string;
}

interface Header {
  format: typeof BACKUP_FORMAT;
  version: number;
  createdAt: string;
  postgres: string;
  migrations: string[];
  partitions: Partition[];
}

export interface BackupSummary {
  tables: number;
  rows: number;
  migrations: string[];
}

const quoted = (name: string) =>
  name
    .split('.')
    .map((part) => `"${part.replaceAll('"', '""')}"`)
    .join('.');

/** Aura's and DBOS's tables, each after the tables its foreign keys point to. */
async function tablesOf(db: pg.ClientBase): Promise<Table[]> {
  const { rows } = await db.query<{ oid: number; name: string }>(
    `SELECT c.oid, n.nspname || '.' || c.relname AS name
       FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
      WHERE n.nspname = ANY($1) AND c.relkind IN ('r', 'p') AND NOT c.relispartition
      ORDER BY 2`,
    [SCHEMAS],
  );
  const tables = new Map<string, Table>();
  for (const { oid, name } of rows) {
    if (OWN_BOOKKEEPING.has(name)) continue;
    // Generated columns are computed again on insert; they are neither dumped nor restored.
    const columns = await db.query<{ name: string }>(
      `SELECT attname AS name FROM pg_attribute
        WHERE attrelid = $1 AND attnum > 0 AND NOT attisdropped AND attgenerated = '' ORDER BY attnum`,
      [oid],
    );
    const refs = await db.query<{ name: string }>(
      `SELECT DISTINCT n.nspname || '.' || c.relname AS name
         FROM pg_constraint k JOIN pg_class c ON c.oid = k.confrelid JOIN pg_namespace n ON n.oid = c.relnamespace
        WHERE k.conrelid = $1 AND k.contype = 'f' AND k.confrelid <> k.conrelid`,
      [oid],
    );
    tables.set(name, { name, columns: columns.rows.map((c) => c.name), dependsOn: refs.rows.map((r) => r.name) });
  }
  const ordered: Table[] = [];
  const placed = new Set<string>();
  const place = (table: Table, path: string[]) => {
    if (placed.has(table.name)) return;
    if (path.includes(table.name)) throw new Error(`foreign keys form a cycle: ${[...path, table.name].join(' -> ')}`);
    for (const dep of table.dependsOn) {
      const parent = tables.get(dep);
      if (parent) place(parent, [...path, table.name]);
    }
    placed.add(table.name);
    ordered.push(table);
  };
  for (const table of tables.values()) place(table, []);
  return ordered;
}

async function partitionsOf(db: pg.ClientBase): Promise<Partition[]> {
  const { rows } = await db.query<Partition>(
    `SELECT pn.nspname || '.' || p.relname AS parent, cn.nspname || '.' || c.relname AS name,
            pg_get_expr(c.relpartbound, c.oid) AS bound
       FROM pg_inherits i
       JOIN pg_class c ON c.oid = i.inhrelid JOIN pg_namespace cn ON cn.oid = c.relnamespace
       JOIN pg_class p ON p.oid = i.inhparent JOIN pg_namespace pn ON pn.oid = p.relnamespace
      WHERE pn.nspname = ANY($1) AND p.relkind = 'p'
      ORDER BY 2`,
    [SCHEMAS],
  );
  return rows;
}

/** Writes a backup of the database behind `pool` to `path` (atomically: a failed one leaves nothing). */
export async function writeBackup(
  pool: pg.Pool,
  path: string,
  onProgress: (line: string) => void = () => {},
): Promise<BackupSummary> {
  const client = await pool.connect();
  const temporary = `${path}.${process.pid}.partial`;
  const gzip = createGzip();
  const file = createWriteStream(temporary, { mode: 0o600 });
  gzip.pipe(file);
  const write = async (value: unknown) => {
    if (!gzip.write(`${JSON.stringify(value)}\n`)) await once(gzip, 'drain');
  };
  try {
    // One snapshot for every table: rows written while the backup runs are all in it, or none.
    await client.query('BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY');
    const tables = await tablesOf(client);
    const migrations = (
      await client.query<{ name: string }>('SELECT name FROM schema_migrations ORDER BY name').catch(() => ({
        rows: [],
      }))
    ).rows.map((r) => r.name);
    if (migrations.length === 0)
      throw new AuraError('AURA_INVALID_INPUT', 'this database has no Aura schema: there is nothing to back up');
    const header: Header = {
      format: BACKUP_FORMAT,
      version: BACKUP_VERSION,
      createdAt: new Date().toISOString(),
      postgres: (await client.query<{ v: string }>('SHOW server_version')).rows[0]?.v ?? '',
      migrations,
      partitions: await partitionsOf(client),
    };
    await write(header);
    const counts: Record<string, number> = {};
    let rows = 0;
    for (const table of tables) {
      await write({ table: table.name, columns: table.columns });
      const list = table.columns.map((c) => quoted(c)).join(', ');
      await client.query(
        `DECLARE dump NO SCROLL CURSOR FOR SELECT row_to_json(r) AS row FROM (SELECT ${list} FROM ${quoted(table.name)}) r`,
      );
      let count = 0;
      for (;;) {
        const batch = await client.query<{ row: unknown }>(`FETCH ${FETCH_ROWS} FROM dump`);
        for (const { row } of batch.rows) await write({ row });
        count += batch.rows.length;
        if (batch.rows.length < FETCH_ROWS) break;
      }
      await client.query('CLOSE dump');
      counts[table.name] = count;
      rows += count;
      if (count) onProgress(`  ${table.name}: ${count} rows`);
    }
    await write({ end: counts });
    await client.query('COMMIT');
    gzip.end();
    await once(file, 'close');
    renameSync(temporary, path);
    return { tables: tables.length, rows, migrations };
  } catch (error) {
    await client.query('ROLLBACK').catch(() => {});
    gzip.destroy();
    file.destroy();
    rmSync(temporary, { force: true });
    throw error;
  } finally {
    client.release();
  }
}

/** The lines of a backup, parsed, with the line number for a message that points at the fault. */
async function* linesOf(path: string): AsyncGenerator<{ value: Record<string, unknown>; line: number }> {
  const input = createReadStream(path).pipe(createGunzip());
  let line = 0;
  try {
    for await (const text of createInterface({ input, crlfDelay: Number.POSITIVE_INFINITY })) {
      line++;
      if (!text) continue;
      let value: unknown;
      try {
        value = JSON.parse(text);
      } catch {
        throw new AuraError(
          'AURA_INVALID_INPUT',
          `${path} line ${line} is not JSON: this is not an Aura backup, or it is damaged`,
        );
      }
      if (typeof value !== 'object' || value === null || Array.isArray(value))
        throw new AuraError('AURA_INVALID_INPUT', `${path} line ${line} is not a backup entry`);
      yield { value: value as Record<string, unknown>, line };
    }
  } catch (error) {
    if (error instanceof AuraError) throw error;
    throw new AuraError(
      'AURA_INVALID_INPUT',
      `${path} cannot be read as a gzipped Aura backup (${(error as Error).message})`,
    );
  }
}

export interface RestoreOptions {
  /** Creates the schema the rows go into: Aura's migrations and the workflow engine's tables. */
  prepare: () => Promise<string[]>;
  onProgress?: (line: string) => void;
}

/**
 * Restores a backup into an empty database: the schema is made first (`prepare`), then every
 * row goes in, in one transaction, and is counted against the backup's footer; anything amiss
 * and nothing is kept. Sequences continue after the restored values; summaries are recomputed.
 */
export async function restoreBackup(pool: pg.Pool, path: string, options: RestoreOptions): Promise<BackupSummary> {
  const say = options.onProgress ?? (() => {});
  const lines = linesOf(path);
  const first = await lines.next();
  const header = first.done ? undefined : (first.value.value as Partial<Header>);
  if (header?.format !== BACKUP_FORMAT)
    throw new AuraError(
      'AURA_INVALID_INPUT',
      `${path} is not an Aura backup (it does not start with an ${BACKUP_FORMAT} header)`,
    );
  if (header.version !== BACKUP_VERSION)
    throw new AuraError(
      'AURA_INVALID_INPUT',
      `${path} is backup format ${header.version}; this server reads format ${BACKUP_VERSION}`,
    );
  const users = await pool
    .query<{ n: number }>('SELECT count(*)::int AS n FROM users')
    .then((r) => r.rows[0]?.n ?? 0)
    .catch(() => 0);
  if (users > 0)
    throw new AuraError(
      'AURA_CONFLICT',
      `this database already holds ${users} account${users === 1 ? '' : 's'}: a backup is restored into an empty one (a new data directory, or a new database)`,
    );
  const migrations = await options.prepare();
  const ours = (await pool.query<{ name: string }>('SELECT name FROM schema_migrations ORDER BY name')).rows.map(
    (r) => r.name,
  );
  const theirs = header.migrations ?? [];
  const newer = theirs.filter((m) => !ours.includes(m));
  if (newer.length)
    throw new AuraError(
      'AURA_INVALID_INPUT',
      `the backup was made by a newer Aura (migrations ${newer.join(', ')}); restore it with that version or later`,
    );
  const older = ours.filter((m) => !theirs.includes(m));
  if (older.length)
    throw new AuraError(
      'AURA_INVALID_INPUT',
      `the backup was made before migrations ${older.join(', ')}; restore it with the Aura version that made it, then upgrade`,
    );

  const client = await pool.connect();
  const counts: Record<string, number> = {};
  let rows = 0;
  try {
    await client.query('BEGIN');
    for (const p of header.partitions ?? [])
      await client.query(`CREATE TABLE IF NOT EXISTS ${quoted(p.name)} PARTITION OF ${quoted(p.parent)} ${p.bound}`);
    let table: { name: string; columns: string[] } | undefined;
    let batch: unknown[] = [];
    const flush = async () => {
      if (!table || batch.length === 0) return;
      const list = table.columns.map((c) => quoted(c)).join(', ');
      // OVERRIDING SYSTEM VALUE: identity columns keep the values they had.
      await client.query(
        `INSERT INTO ${quoted(table.name)} (${list}) OVERRIDING SYSTEM VALUE
         SELECT ${list} FROM json_populate_recordset(NULL::${quoted(table.name)}, $1::json)`,
        [JSON.stringify(batch)],
      );
      batch = [];
    };
    let footer: Record<string, number> | undefined;
    for await (const { value, line } of lines) {
      if (footer) throw new AuraError('AURA_INVALID_INPUT', `${path} line ${line} follows the end of the backup`);
      if ('row' in value) {
        if (!table) throw new AuraError('AURA_INVALID_INPUT', `${path} line ${line} is a row before any table`);
        batch.push(value.row);
        counts[table.name] = (counts[table.name] ?? 0) + 1;
        rows++;
        if (batch.length >= INSERT_ROWS) await flush();
      } else if (typeof value.table === 'string' && Array.isArray(value.columns)) {
        await flush();
        if (table && counts[table.name]) say(`  ${table.name}: ${counts[table.name]} rows`);
        table = { name: value.table, columns: value.columns.map(String) };
      } else if (typeof value.end === 'object' && value.end !== null) {
        await flush();
        if (table && counts[table.name]) say(`  ${table.name}: ${counts[table.name]} rows`);
        footer = value.end as Record<string, number>;
      } else
        throw new AuraError('AURA_INVALID_INPUT', `${path} line ${line} is not a header, a table, a row or the end`);
    }
    if (!footer)
      throw new AuraError('AURA_INVALID_INPUT', `${path} ends before its last line: the backup is incomplete`);
    for (const [name, expected] of Object.entries(footer))
      if ((counts[name] ?? 0) !== expected)
        throw new AuraError(
          'AURA_INVALID_INPUT',
          `${path} has ${counts[name] ?? 0} rows of ${name} where its end says ${expected}`,
        );
    await continueSequences(client);
    await client.query('COMMIT');
  } catch (error) {
    await client.query('ROLLBACK').catch(() => {});
    if (error instanceof AuraError) throw error;
    throw new AuraError(
      'AURA_INVALID_INPUT',
      `the backup did not restore, and nothing was kept: ${(error as Error).message}`,
      {
        cause: error,
      },
    );
  } finally {
    client.release();
  }
  // Outside the transaction: a view's refresh reads what was committed.
  const views = await pool.query<{ name: string }>(
    `SELECT schemaname || '.' || matviewname AS name FROM pg_matviews WHERE schemaname = ANY($1)`,
    [SCHEMAS],
  );
  for (const { name } of views.rows) await pool.query(`REFRESH MATERIALIZED VIEW ${quoted(name)}`);
  return { tables: Object.keys(counts).length, rows, migrations: migrations.length ? migrations : ours };
}

/** Every sequence a column owns goes on after the largest value restored into that column. */
async function continueSequences(client: pg.ClientBase): Promise<void> {
  const { rows } = await client.query<{ seq: string; tbl: string; col: string }>(
    `SELECT s.oid::regclass::text AS seq, t.oid::regclass::text AS tbl, a.attname AS col
       FROM pg_class s
       JOIN pg_depend d ON d.objid = s.oid AND d.classid = 'pg_class'::regclass AND d.deptype IN ('a', 'i')
       JOIN pg_class t ON t.oid = d.refobjid
       JOIN pg_attribute a ON a.attrelid = t.oid AND a.attnum = d.refobjsubid
       JOIN pg_namespace n ON n.oid = s.relnamespace
      WHERE s.relkind = 'S' AND n.nspname = ANY($1)`,
    [SCHEMAS],
  );
  for (const { seq, tbl, col } of rows)
    await client.query(
      `SELECT setval($1, COALESCE((SELECT max(${quoted(col)}) FROM ${tbl}), 1), (SELECT max(${quoted(col)}) FROM ${tbl}) IS NOT NULL)`,
      [seq],
    );
}
