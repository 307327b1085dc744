import { createHash } from 'node:crypto';
import { AuraError } from '@aura/errors';
import type { Collection, RecordInput, SignedChange, StoredRecord } from '@aura/protocol';
import type pg from 'pg';
import type { AuditEvent, AuditLog } from '../../audit/log.ts';
import { fromBase64, toBase64 } from '../../base64.ts';
import type { BlobCache } from '../../cache/blob-cache.ts';
import { GroupCommit, type Outcome } from '../../db/group-commit.ts';
import { withTransaction } from '../../db/transaction.ts';
import { checkVaultChange } from '../../history/signed-change.ts';
import type { CursorCodec } from './cursor.ts';

/** The three collections share one shape: opaque ciphertext, tokens, a row version. */
const TABLES: Record<Collection, string> = {
  contexts: 'encrypted_user_contexts',
  relationships: 'user_relationships',
  'learning-events': 'learning_events',
};

/** A record's fields as a write carries them: everything of the input but the id (which the path or body names). */
export type RecordFields = Omit<RecordInput, 'id'>;

/** Who writes: the user, and the enrolled device whose signature a change must carry. */
export interface Writer {
  userId: string;
  deviceId: string | null;
  /** Filled with the log index of each change logged for this request (the client checks them). */
  logged?: number[];
}

interface Row {
  id: string;
  version: number;
  context_type_encrypted: Buffer | null;
  encrypted_data: Buffer;
  encrypted_embedding: Buffer | null;
  search_tokens: Buffer[];
  data_checksum: Buffer;
  nonce: Buffer;
  created_at: Date;
  updated_at: Date;
  expires_at: Date | null;
}

const isoOrNull = (s: string | undefined) => (s === undefined ? null : new Date(s).toISOString());
// The log's size in the same statement (so the same snapshot) as the records read with it: a
// client compares what it got with the vault's history up to exactly that entry.
const LOG_SIZE = 'coalesce((SELECT size FROM audit_logs WHERE user_id = $1), 0)::int AS log_size';
/**
 * What a read returns of a row: the columns toWire() needs, named rather than `*`. Reads by id and
 * pages are named statements, parsed and planned once per connection (a page cost PostgreSQL
 * 170 µs of parsing and planning, 38 µs prepared: decision 0019), and a prepared `*` would fail
 * on every pooled connection once another server's migration added a column. Searches stay
 * planned each time: a generic plan cannot weigh how common the tokens asked for are.
 */
const COLUMNS = [
  'id',
  'version',
  'context_type_encrypted',
  'encrypted_data',
  'encrypted_embedding',
  'search_tokens',
  'data_checksum',
  'nonce',
  'created_at',
  'updated_at',
  'expires_at',
];
const columns = (table: string) => COLUMNS.map((c) => `${table}.${c}`).join(', ');
const opt = (s: string | undefined) => (s === undefined ? null : fromBase64(s));
const LIVE = '(expires_at IS NULL OR expires_at > now())';
/** How long a cached record may sit unread; its version is checked on every read anyway. */
const CACHE_SECONDS = 3600;

function toWire(row: Row): StoredRecord {
  return {
    id: row.id,
    version: row.version,
    encryptedType: row.context_type_encrypted ? toBase64(row.context_type_encrypted) : null,
    encryptedData: toBase64(row.encrypted_data),
    encryptedEmbedding: row.encrypted_embedding ? toBase64(row.encrypted_embedding) : null,
    searchTokens: row.search_tokens.map(toBase64),
    checksum: toBase64(row.data_checksum),
    nonce: toBase64(row.nonce),
    createdAt: row.created_at.toISOString(),
    updatedAt: row.updated_at.toISOString(),
    expiresAt: row.expires_at?.toISOString() ?? null,
  };
}

/** The integrity check of the spec's learn endpoint: the checksum is SHA-256 of the ciphertext. */
function checkChecksum(data: Buffer, checksum: Buffer): void {
  if (!createHash('sha256').update(data).digest().equals(checksum)) {
    throw new AuraError('AURA_INVALID_INPUT', 'checksum is not the SHA-256 of encryptedData; nothing was stored');
  }
}

/** The stored columns of a record, checked, in the order the INSERT and UPDATE below list them. */
function columnsOf(fields: RecordFields) {
  // Decoded once: the ciphertext may be megabytes, and the checksum check reads the same bytes.
  const data = fromBase64(fields.encryptedData);
  const checksum = fromBase64(fields.checksum);
  checkChecksum(data, checksum);
  const columns = {
    context_type_encrypted: opt(fields.encryptedType),
    encrypted_data: data,
    encrypted_embedding: opt(fields.encryptedEmbedding),
    search_tokens: [...new Set(fields.searchTokens)].map(fromBase64),
    data_checksum: checksum,
    nonce: fromBase64(fields.nonce),
  };
  const values = [...Object.values(columns), fields.expiresAt ?? null];
  // (fields.change is not a column: it goes to the log)
  return { columns, values };
}

const notFound = () => new AuraError('AURA_NOT_FOUND', 'no such record in this account');

/** What a signed change must say about its write. */
interface Expected {
  op: 'put' | 'delete';
  recordId: string;
  version: number;
  hash: string;
  expiresAt: string | null;
}

const deviceRequired = () =>
  new AuraError('AURA_DEVICE_REQUIRED', 'a signed change needs a session of an enrolled device; enroll this one');

/** A create waiting for its batch, its columns already checked. */
interface Create {
  writer: Writer;
  id: string;
  fields: RecordFields;
  checked: ReturnType<typeof columnsOf>;
}

/** A create stored: the record, and where its change went in the log. */
interface Created {
  record: StoredRecord;
  logIndex: number | undefined;
}

/** Most creates in one batch, and batches written at once (see GroupCommit). */
const CREATES_PER_BATCH = 64;
const CREATE_BATCHES_AT_ONCE = 2;
/** Most bytes of records (ciphertext, vector, tokens) in one batch, a single larger one alone. */
const CREATE_BATCH_BYTES = 8 * 1024 * 1024;

const weightOf = ({ checked: { columns } }: Create) =>
  columns.encrypted_data.length +
  (columns.encrypted_embedding?.length ?? 0) +
  columns.search_tokens.reduce((sum, t) => sum + t.length, 0);

const deletedId = () =>
  new AuraError('AURA_CONFLICT', 'a record with this id existed and was deleted; choose a new id');
// Only this account's own record: ids are per account (migration 008), so another account's id
// is as free here as an unused one, and a POST cannot tell whether someone else has it.
const takenId = () => new AuraError('AURA_CONFLICT', 'a record with this id already exists; choose a new id');

/** Every query is scoped to the caller's user id: another user's record is simply not found. */
export class VaultRepository {
  readonly #pool: pg.Pool;
  readonly #table: string;

  readonly #collection: Collection;
  readonly #audit: AuditLog;
  readonly #cursors: CursorCodec;

  readonly #cache: BlobCache | undefined;

  /**
   * Creates sent at once share a transaction: one account's writes otherwise queue on its audit
   * head one commit at a time (its entry is written in the create's transaction).
   */
  readonly #creates = new GroupCommit<Create, Created>({
    // Creates of other ids commute: batches of one account may be written at once, and meet only
    // at the account's audit head, which each locks from its append to its commit.
    key: (c) => `${c.writer.userId}/${c.id}`,
    batch: (creates) => this.#createBatch(creates),
    alone: (c) => this.#createAlone(c),
    maxBatch: CREATES_PER_BATCH,
    batchesAtOnce: CREATE_BATCHES_AT_ONCE,
    // A record may be megabytes: a batch's statement stays a few of them.
    weight: { of: weightOf, max: CREATE_BATCH_BYTES },
  });

  constructor(pool: pg.Pool, collection: Collection, audit: AuditLog, cursors: CursorCodec, cache?: BlobCache) {
    this.#pool = pool;
    this.#cache = cache;
    this.#table = TABLES[collection];
    this.#collection = collection;
    this.#audit = audit;
    this.#cursors = cursors;
  }

  /**
   * Checks a write's signed change against the write and the signing device, then logs it in
   * the write's own transaction: a change is in the log exactly when the write is in the table.
   */
  async #logChange(
    db: pg.PoolClient,
    writer: Writer,
    change: SignedChange | undefined,
    expected: Expected,
    /** The device's key when the caller's statement already read (and share-locked) its row. */
    read?: { key: Buffer | null },
  ) {
    if (!change) return;
    if (!writer.deviceId) throw deviceRequired();
    const key = read
      ? read.key
      : (
          await db.query<{ signing_public_key: Buffer }>(
            // FOR SHARE: a revocation of this device waits for this write (or this write sees it), so
            // the log never holds a change signed by a device after that device's revocation.
            'SELECT signing_public_key FROM devices WHERE id = $1 AND user_id = $2 AND revoked_at IS NULL FOR SHARE',
            [writer.deviceId, writer.userId],
          )
        ).rows[0]?.signing_public_key;
    const receipt = await this.#audit.append(writer.userId, this.#changeEvent(writer, change, expected, key), db);
    writer.logged?.push(receipt.index);
  }

  /** The audit entry of a signed change, once it is checked against the write and the signing device's key. */
  #changeEvent(writer: Writer, change: SignedChange, expected: Expected, key: Buffer | null | undefined): AuditEvent {
    if (!writer.deviceId) throw deviceRequired();
    if (!key) throw new AuraError('AURA_SESSION_REVOKED', 'this device was revoked; it can no longer write');
    checkVaultChange(change, { ...expected, collection: this.#collection, deviceId: writer.deviceId }, key);
    return {
      eventType: 'vault',
      actorId: writer.deviceId,
      actorType: 'device',
      targetId: expected.recordId,
      action: `${expected.op} ${this.#collection}`,
      result: 'success',
      signed: change,
    };
  }

  /**
   * Stores a new record under the id the client chose. Outside a caller's transaction it joins
   * the next batch of creates (GroupCommit); in one, it is written there.
   */
  async create(writer: Writer, id: string, fields: RecordFields, db?: pg.PoolClient): Promise<StoredRecord> {
    // Checked before it waits for a batch: a bad checksum is refused at once and alone.
    const create: Create = { writer, id, fields, checked: columnsOf(fields) };
    const { record, logIndex } = db ? await this.#createIn(db, create) : await this.#creates.submit(create);
    if (logIndex !== undefined) writer.logged?.push(logIndex);
    return record;
  }

  async #createIn(db: pg.PoolClient, create: Create): Promise<Created> {
    const [outcome] = await this.#insertAll(db, [create]);
    if (outcome === undefined || outcome === 'alone') throw new Error('vault create: no outcome');
    if ('error' in outcome) throw outcome.error;
    return outcome.ok;
  }

  #createAlone(create: Create): Promise<Created> {
    return withTransaction(this.#pool, (db) => this.#createIn(db, create));
  }

  /** A batch of creates in one transaction; a second create of one id is written after it, alone. */
  async #createBatch(creates: Create[]): Promise<Outcome<Created>[]> {
    const outcomes: Outcome<Created>[] = creates.map(() => 'alone');
    const seen = new Set<string>();
    const first: number[] = [];
    for (const [i, { writer, id }] of creates.entries()) {
      const key = `${writer.userId}/${id}`;
      if (seen.has(key)) continue;
      seen.add(key);
      first.push(i);
    }
    const written = await withTransaction(this.#pool, (db) =>
      this.#insertAll(
        db,
        first.map((i) => creates[i] as Create),
      ),
    );
    for (const [k, i] of first.entries()) outcomes[i] = written[k] as Outcome<Created>;
    return outcomes;
  }

  /**
   * Writes `creates` (at most one per account and id) in the caller's transaction: one statement
   * reads each id's tombstone and the signing device's key (its row share-locked, as a revocation
   * must wait for the write) and inserts each row whose id was never used; a row whose signed
   * change then fails its check is deleted again, and the others' changes are logged in one append.
   */
  async #insertAll(db: pg.PoolClient, creates: Create[]): Promise<Outcome<Created>[]> {
    const tokens: Buffer[] = [];
    const tokenFrom: number[] = [];
    for (const { checked } of creates) {
      tokenFrom.push(tokens.length);
      tokens.push(...checked.columns.search_tokens);
    }
    const col = <T>(f: (c: Create) => T) => creates.map(f);
    const { rows } = await db.query<
      Pick<Row, 'version' | 'created_at' | 'updated_at' | 'expires_at'> & {
        tombstoned: boolean;
        device_key: Buffer | null;
        inserted: boolean;
      }
    >({
      // Named, so each connection parses and plans it once (one per table).
      name: `aura-vault-create-${this.#table}`,
      text: `WITH x AS (
         SELECT * FROM unnest($1::int[], $2::uuid[], $3::uuid[], $4::bytea[], $5::bytea[], $6::bytea[], $7::int[],
                              $8::int[], $9::bytea[], $10::bytea[], $11::timestamptz[], $12::uuid[])
             AS x(ord, id, user_id, type, data, embedding, token_from, token_count, checksum, nonce, expires_at, device_id)
       ), tomb AS (
         SELECT x.ord FROM x JOIN vault_tombstones t ON t.user_id = x.user_id AND t.collection = $14 AND t.id = x.id
       ), device AS (
         SELECT x.ord, d.signing_public_key FROM x
           JOIN devices d ON d.id = x.device_id AND d.user_id = x.user_id AND d.revoked_at IS NULL
            FOR SHARE OF d
       ), ins AS (
         INSERT INTO ${this.#table}
           (id, user_id, context_type_encrypted, encrypted_data, encrypted_embedding, search_tokens, data_checksum, nonce, expires_at)
         SELECT x.id, x.user_id, x.type, x.data, x.embedding, ($13::bytea[])[x.token_from + 1 : x.token_from + x.token_count],
                x.checksum, x.nonce, x.expires_at
           FROM x WHERE x.ord NOT IN (SELECT ord FROM tomb)
         ON CONFLICT (user_id, id) DO NOTHING RETURNING id, user_id, version, created_at, updated_at, expires_at
       )
       SELECT x.ord IN (SELECT ord FROM tomb) AS tombstoned, d.signing_public_key AS device_key,
              ins.version IS NOT NULL AS inserted, ins.version, ins.created_at, ins.updated_at, ins.expires_at
         FROM x LEFT JOIN device d ON d.ord = x.ord LEFT JOIN ins ON ins.user_id = x.user_id AND ins.id = x.id
        ORDER BY x.ord`,
      values: [
        [...creates.keys()],
        col((c) => c.id),
        col((c) => c.writer.userId),
        col((c) => c.checked.columns.context_type_encrypted),
        col((c) => c.checked.columns.encrypted_data),
        col((c) => c.checked.columns.encrypted_embedding),
        tokenFrom,
        col((c) => c.checked.columns.search_tokens.length),
        col((c) => c.checked.columns.data_checksum),
        col((c) => c.checked.columns.nonce),
        col((c) => c.fields.expiresAt ?? null),
        col((c) => (c.fields.change ? c.writer.deviceId : null)),
        tokens,
        this.#collection,
      ],
    });
    const outcomes: Outcome<Created>[] = [];
    const logged: { at: number; userId: string; event: AuditEvent }[] = [];
    const undo: Create[] = [];
    for (const [i, create] of creates.entries()) {
      const row = rows[i];
      const { writer, id, fields } = create;
      if (!row || row.tombstoned) outcomes.push({ error: deletedId() });
      else if (!row.inserted) outcomes.push({ error: takenId() });
      else {
        const record = toWire({
          id,
          ...create.checked.columns,
          version: row.version,
          created_at: row.created_at,
          updated_at: row.updated_at,
          expires_at: row.expires_at,
        });
        try {
          const expected = { op: 'put' as const, recordId: id, version: 1, hash: fields.checksum };
          if (fields.change) {
            const event = this.#changeEvent(
              writer,
              fields.change,
              { ...expected, expiresAt: isoOrNull(fields.expiresAt) },
              row.device_key,
            );
            logged.push({ at: i, userId: writer.userId, event });
          }
          outcomes.push({ ok: { record, logIndex: undefined } });
        } catch (error) {
          undo.push(create);
          outcomes.push({ error });
        }
      }
    }
    if (undo.length > 0) {
      await db.query(
        `DELETE FROM ${this.#table} WHERE (user_id, id) IN (SELECT * FROM unnest($1::uuid[], $2::uuid[]))`,
        [undo.map((c) => c.writer.userId), undo.map((c) => c.id)],
      );
    }
    if (logged.length > 0) {
      const receipts = await this.#audit.appendAll(db, logged);
      for (const [k, { at }] of logged.entries()) {
        const outcome = outcomes[at];
        if (outcome && outcome !== 'alone' && 'ok' in outcome) outcome.ok.logIndex = receipts[k]?.index;
      }
    }
    return outcomes;
  }

  /** The spec's learn: store a record and, in one transaction, delete the one the client chose to replace. */
  async learn(
    writer: Writer,
    id: string,
    fields: RecordFields,
    replace?: { id: string; version: number; change: SignedChange },
  ) {
    columnsOf(fields); // refuse a bad checksum before opening a transaction
    return withTransaction(this.#pool, async (client) => {
      if (replace) await this.delete(writer, replace.id, { version: replace.version, change: replace.change }, client);
      const record = await this.create(writer, id, fields, client);
      return {
        status: replace ? ('replaced' as const) : ('stored' as const),
        id,
        replacedId: replace?.id ?? null,
        version: record.version,
      };
    });
  }

  async get(userId: string, id: string) {
    const { record, logSize } = await this.read(userId, id);
    if (!record) throw notFound();
    return { record, logSize };
  }

  #cacheKey(userId: string, id: string) {
    return `vault:${userId}:${this.#collection}:${id}`;
  }

  /**
   * One record (or none) with the log's size in the same snapshot; a miss carries the size too.
   * With a cache, the database is still asked, for the row's version and the log's size only
   * (not the blob): a cached record of that same version is the record, any other is a miss.
   */
  async read(userId: string, id: string): Promise<{ record: StoredRecord | null; logSize: number }> {
    const cache = this.#cache;
    if (!cache) return this.#readRow(userId, id);
    const key = this.#cacheKey(userId, id);
    const [cached, head] = await Promise.all([
      cache.get(key),
      this.#pool.query<{ log_size: number; version: number | null }>({
        name: `aura-vault-${this.#collection}-version`,
        text: `SELECT ${LOG_SIZE}, r.version FROM (VALUES (1)) AS one (x)
           LEFT JOIN ${this.#table} r ON r.id = $2 AND r.user_id = $1 AND ${LIVE.replaceAll('expires_at', 'r.expires_at')}`,
        values: [userId, id],
      }),
    ]);
    const logSize = head.rows[0]?.log_size ?? 0;
    const version = head.rows[0]?.version ?? null;
    if (version === null) return { record: null, logSize };
    if (cached) {
      const record = JSON.parse(cached) as StoredRecord;
      if (record.version === version && record.id === id) return { record, logSize };
    }
    const fresh = await this.#readRow(userId, id);
    if (fresh.record) await cache.set(key, JSON.stringify(fresh.record), CACHE_SECONDS);
    return fresh;
  }

  async #readRow(userId: string, id: string): Promise<{ record: StoredRecord | null; logSize: number }> {
    const { rows } = await this.#pool.query<Row & { log_size: number }>({
      name: `aura-vault-${this.#collection}-read`,
      text: `SELECT ${LOG_SIZE}, ${columns('r')} FROM (VALUES (1)) AS one (x)
         LEFT JOIN ${this.#table} r ON r.id = $2 AND r.user_id = $1 AND ${LIVE.replaceAll('expires_at', 'r.expires_at')}`,
      values: [userId, id],
    });
    const row = rows[0];
    return { record: row?.id ? toWire(row) : null, logSize: row?.log_size ?? 0 };
  }

  async list(
    userId: string,
    query: { limit: number; cursor?: string | undefined; updatedSince?: string | undefined; includeExpired: boolean },
  ) {
    const params: unknown[] = [userId];
    const where = ['user_id = $1'];
    if (!query.includeExpired) where.push(LIVE);
    if (query.updatedSince) {
      params.push(query.updatedSince);
      where.push(`updated_at >= $${params.length}`);
    }
    if (query.cursor) {
      const { createdAt, id } = this.#cursors.open(`${userId}/${this.#collection}`, query.cursor);
      params.push(createdAt, id);
      where.push(`(created_at, id) > ($${params.length - 1}::timestamptz, $${params.length}::uuid)`);
    }
    params.push(query.limit + 1);
    // One statement for each combination of the optional filters, eight a collection at most.
    const variant = [query.includeExpired, query.updatedSince, query.cursor].map((f) => (f ? 1 : 0)).join('');
    const { rows } = await this.#pool.query<Row & { created_at_text: string; log_size: number }>({
      name: `aura-vault-${this.#collection}-list-${variant}`,
      text: `SELECT s.log_size, r.* FROM (SELECT ${LOG_SIZE}) s LEFT JOIN LATERAL (
         SELECT ${COLUMNS.join(', ')}, created_at::text AS created_at_text FROM ${this.#table}
          WHERE ${where.join(' AND ')} ORDER BY created_at, id LIMIT $${params.length}) r ON true`,
      values: params,
    });
    const logSize = rows[0]?.log_size ?? 0;
    const found = rows.filter((r) => r.id !== null);
    const page = found.slice(0, query.limit);
    const last = page[page.length - 1];
    return {
      records: page.map(toWire),
      nextCursor:
        found.length > query.limit && last
          ? this.#cursors.seal(`${userId}/${this.#collection}`, { createdAt: last.created_at_text, id: last.id })
          : null,
      logSize,
    };
  }

  /** Blind-index search: records holding all (or any) of the tokens, newest first. */
  async search(userId: string, tokens: string[], mode: 'all' | 'any', limit: number) {
    const operator = mode === 'all' ? '@>' : '&&';
    const { rows } = await this.#pool.query<Row & { log_size: number }>(
      `SELECT s.log_size, r.* FROM (SELECT ${LOG_SIZE}) s LEFT JOIN LATERAL (
         SELECT * FROM ${this.#table}
          WHERE user_id = $1 AND search_tokens ${operator} $2::bytea[] AND ${LIVE}
          ORDER BY updated_at DESC LIMIT $3) r ON true`,
      [userId, tokens.map(fromBase64), limit],
    );
    return {
      records: rows.filter((r) => r.id !== null).map(toWire),
      nextCursor: null,
      logSize: rows[0]?.log_size ?? 0,
    };
  }

  /** Optimistic concurrency: the update applies only to the version the client read. */
  async update(writer: Writer, id: string, version: number, fields: RecordFields) {
    const userId = writer.userId;
    const { values } = columnsOf(fields);
    const updated = await withTransaction(this.#pool, async (client) => {
      const { rows } = await client.query<Row>(
        `UPDATE ${this.#table}
            SET context_type_encrypted = $4, encrypted_data = $5, encrypted_embedding = $6, search_tokens = $7::bytea[],
                data_checksum = $8, nonce = $9, expires_at = $10, version = version + 1, updated_at = now()
          WHERE id = $1 AND user_id = $2 AND version = $3 AND ${LIVE}
          RETURNING *`,
        [id, userId, version, ...values],
      );
      if (!rows[0]) return null;
      await this.#logChange(client, writer, fields.change, {
        op: 'put',
        recordId: id,
        version: version + 1,
        hash: fields.checksum,
        expiresAt: isoOrNull(fields.expiresAt),
      });
      return toWire(rows[0]);
    });
    // Not needed to be right (a reader compares versions), only to free the entry at once.
    await this.#cache?.delete(this.#cacheKey(userId, id));
    if (updated) return updated;
    const { record: current } = await this.get(userId, id);
    throw new AuraError(
      'AURA_CONFLICT',
      `the record is at version ${current.version}, not ${version}; read it again and retry`,
    );
  }

  /** Deletes the record (only at `version`, when given), logging the signed deletion with it. */
  async delete(
    writer: Writer,
    id: string,
    options: { version?: number | undefined; change?: SignedChange | undefined } = {},
    db?: pg.PoolClient,
  ): Promise<void> {
    if (options.change && options.version === undefined) {
      throw new AuraError('AURA_INVALID_INPUT', 'a signed deletion names the version it deletes; send version');
    }
    if (!db) return withTransaction(this.#pool, (client) => this.delete(writer, id, options, client));
    const { rows } = await db.query<{ version: number }>(
      `DELETE FROM ${this.#table} WHERE id = $1 AND user_id = $2 AND ($3::int IS NULL OR version = $3) RETURNING version`,
      [id, writer.userId, options.version ?? null],
    );
    const deleted = rows[0];
    if (deleted) {
      await this.#cache?.delete(this.#cacheKey(writer.userId, id));
      await db.query(
        'INSERT INTO vault_tombstones (user_id, collection, id) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING',
        [writer.userId, this.#collection, id],
      );
    }
    if (!deleted) {
      const { record } = await this.read(writer.userId, id);
      if (!record) throw notFound();
      throw new AuraError(
        'AURA_CONFLICT',
        `the record is at version ${record.version}, not ${options.version}; read it again and retry`,
      );
    }
    await this.#logChange(db, writer, options.change, {
      op: 'delete',
      recordId: id,
      version: deleted.version,
      hash: '',
      expiresAt: null,
    });
  }

  async purgeExpired(userId: string): Promise<number> {
    const { rows } = await this.#pool.query<{ n: number }>(
      `WITH gone AS (
         DELETE FROM ${this.#table} WHERE user_id = $1 AND expires_at IS NOT NULL AND expires_at <= now() RETURNING id
       ), kept AS (
         INSERT INTO vault_tombstones (user_id, collection, id) SELECT $1, $2, id FROM gone ON CONFLICT DO NOTHING
       )
       SELECT count(*)::int AS n FROM gone`,
      [userId, this.#collection],
    );
    return rows[0]?.n ?? 0;
  }
}
