import { createHash } from 'node:crypto';
import { AuraError } from '@aura/errors';
import type { Collection, RecordInput, SignedChange, StoredRecord } from '@aura/protocol';
import type pg from 'pg';
import type { AuditLog } from '../../audit/log.ts';
import { fromBase64, toBase64 } from '../../base64.ts';
import type { BlobCache } from '../../cache/blob-cache.ts';
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

/** Every query is scoped to the caller's user id: another user's record is simply not found. */
export class VaultRepository {
  readonly #pool: pg.Pool;
  readonly #table: string;

  readonly #collection: Collection;
  readonly #audit: AuditLog;
  readonly #cursors: CursorCodec;

  readonly #cache: BlobCache | undefined;

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
    expected: { op: 'put' | 'delete'; recordId: string; version: number; hash: string; expiresAt: string | null },
    /** The device's key when the caller's statement already read (and share-locked) its row. */
    read?: { key: Buffer | null },
  ) {
    if (!change) return;
    if (!writer.deviceId) {
      throw new AuraError(
        'AURA_DEVICE_REQUIRED',
        'a signed change needs a session of an enrolled device; enroll this one',
      );
    }
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
    if (!key) throw new AuraError('AURA_SESSION_REVOKED', 'this device was revoked; it can no longer write');
    checkVaultChange(change, { ...expected, collection: this.#collection, deviceId: writer.deviceId }, key);
    const receipt = await this.#audit.append(
      writer.userId,
      {
        eventType: 'vault',
        actorId: writer.deviceId,
        actorType: 'device',
        targetId: expected.recordId,
        action: `${expected.op} ${this.#collection}`,
        result: 'success',
        signed: change,
      },
      db,
    );
    writer.logged?.push(receipt.index);
  }

  async create(writer: Writer, id: string, fields: RecordFields, db?: pg.PoolClient): Promise<StoredRecord> {
    if (!db) return withTransaction(this.#pool, (client) => this.create(writer, id, fields, client));
    const userId = writer.userId;
    const { columns, values } = columnsOf(fields);
    // One statement: the id's tombstone, the signing device's key (its row share-locked, as a
    // revocation must wait for this write), and the row, inserted only if the id was never used.
    // A bad signature found after it rolls the whole transaction back.
    const { rows } = await db.query<
      Pick<Row, 'version' | 'created_at' | 'updated_at' | 'expires_at'> & {
        tombstoned: boolean;
        device_key: Buffer | null;
        inserted: boolean;
      }
    >(
      `WITH tomb AS (
         SELECT 1 FROM vault_tombstones WHERE user_id = $2 AND collection = $10 AND id = $1
       ), device AS (
         SELECT signing_public_key FROM devices
          WHERE $11::uuid IS NOT NULL AND id = $11 AND user_id = $2 AND revoked_at IS NULL FOR SHARE
       ), ins AS (
         INSERT INTO ${this.#table}
           (id, user_id, context_type_encrypted, encrypted_data, encrypted_embedding, search_tokens, data_checksum, nonce, expires_at)
         SELECT $1, $2, $3, $4, $5, $6::bytea[], $7, $8, $9 WHERE NOT EXISTS (SELECT 1 FROM tomb)
         ON CONFLICT (user_id, id) DO NOTHING RETURNING version, created_at, updated_at, expires_at
       )
       SELECT EXISTS (SELECT 1 FROM tomb) AS tombstoned, (SELECT signing_public_key FROM device) AS device_key,
              ins.version IS NOT NULL AS inserted, ins.version, ins.created_at, ins.updated_at, ins.expires_at
         FROM (VALUES (1)) AS one (x) LEFT JOIN ins ON true`,
      [id, userId, ...values, this.#collection, fields.change ? writer.deviceId : null],
    );
    const row = rows[0];
    if (row?.tombstoned) {
      throw new AuraError('AURA_CONFLICT', 'a record with this id existed and was deleted; choose a new id');
    }
    // Only this account's own record: ids are per account (migration 008), so another account's
    // id is as free here as an unused one, and a POST cannot tell whether someone else has it.
    if (!row?.inserted) throw new AuraError('AURA_CONFLICT', 'a record with this id already exists; choose a new id');
    const stored = {
      version: row.version,
      created_at: row.created_at,
      updated_at: row.updated_at,
      expires_at: row.expires_at,
    };
    await this.#logChange(
      db,
      writer,
      fields.change,
      { op: 'put', recordId: id, version: 1, hash: fields.checksum, expiresAt: isoOrNull(fields.expiresAt) },
      { key: row.device_key },
    );
    return toWire({ id, ...columns, ...stored });
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
