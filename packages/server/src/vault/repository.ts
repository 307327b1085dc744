import { createHash } from 'node:crypto';
import { AuraError } from '@aura/errors';
import type { Collection } from '@aura/protocol';
import type pg from 'pg';
import { withTransaction } from '../db/transaction.ts';

/** The three collections share one shape: opaque ciphertext, tokens, a row version. */
const TABLES: Record<Collection, string> = {
  contexts: 'encrypted_user_contexts',
  relationships: 'user_relationships',
  'learning-events': 'learning_events',
};

export interface RecordFields {
  encryptedType?: string | undefined;
  encryptedData: string;
  encryptedEmbedding?: string | undefined;
  searchTokens: string[];
  checksum: string;
  nonce: string;
  expiresAt?: string | undefined;
}

export interface WireRecord {
  id: string;
  version: number;
  encryptedType: string | null;
  encryptedData: string;
  encryptedEmbedding: string | null;
  searchTokens: string[];
  checksum: string;
  nonce: string;
  createdAt: string;
  updatedAt: string;
  expiresAt: string | null;
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

const b64 = (s: string) => Buffer.from(s, 'base64');
const opt = (s: string | undefined) => (s === undefined ? null : b64(s));
const LIVE = '(expires_at IS NULL OR expires_at > now())';

function toWire(row: Row): WireRecord {
  return {
    id: row.id,
    version: row.version,
    encryptedType: row.context_type_encrypted?.toString('base64') ?? null,
    encryptedData: row.encrypted_data.toString('base64'),
    encryptedEmbedding: row.encrypted_embedding?.toString('base64') ?? null,
    searchTokens: row.search_tokens.map((t) => t.toString('base64')),
    checksum: row.data_checksum.toString('base64'),
    nonce: row.nonce.toString('base64'),
    createdAt: row.created_at.toISOString(),
    updatedAt: row.updated_at.toISOString(),
    expiresAt: row.expires_at?.toISOString() ?? null,
  };
}

/** The integrity check of the spec's learn endpoint: the checksum is SHA-256 of the ciphertext. */
function checkFields(fields: RecordFields): Buffer[] {
  const data = b64(fields.encryptedData);
  if (!createHash('sha256').update(data).digest().equals(b64(fields.checksum))) {
    throw new AuraError('AURA_INVALID_INPUT', 'checksum is not the SHA-256 of encryptedData; nothing was stored');
  }
  return [...new Set(fields.searchTokens)].map(b64);
}

/** The stored columns of a record, checked, in the order the INSERT and UPDATE below list them. */
function columnsOf(fields: RecordFields) {
  const columns = {
    context_type_encrypted: opt(fields.encryptedType),
    encrypted_data: b64(fields.encryptedData),
    encrypted_embedding: opt(fields.encryptedEmbedding),
    search_tokens: checkFields(fields),
    data_checksum: b64(fields.checksum),
    nonce: b64(fields.nonce),
  };
  const values = [...Object.values(columns), fields.expiresAt ?? null];
  return { columns, values };
}

const notFound = () => new AuraError('AURA_NOT_FOUND', 'no such record in this account');

// The cursor carries PostgreSQL's own text of created_at: microseconds, which a JS Date would lose.
function encodeCursor(row: Row & { created_at_text?: string }): string {
  return Buffer.from(JSON.stringify([row.created_at_text, row.id])).toString('base64url');
}

function decodeCursor(cursor: string): [string, string] {
  try {
    const value = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
    if (
      Array.isArray(value) &&
      value.length === 2 &&
      typeof value[0] === 'string' &&
      /^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d(\.\d{1,6})?[+-]\d\d(:\d\d)?$/.test(value[0]) &&
      /^[0-9a-f-]{36}$/i.test(value[1])
    ) {
      return [value[0], value[1]];
    }
  } catch {
    // fall through
  }
  throw new AuraError('AURA_INVALID_INPUT', 'cursor is not one this server handed out');
}

/** Every query is scoped to the caller's user id: another user's record is simply not found. */
export class VaultRepository {
  readonly #pool: pg.Pool;
  readonly #table: string;

  constructor(pool: pg.Pool, collection: Collection) {
    this.#pool = pool;
    this.#table = TABLES[collection];
  }

  async create(userId: string, id: string, fields: RecordFields, db: pg.Pool | pg.PoolClient = this.#pool) {
    const { columns, values } = columnsOf(fields);
    // Only the server-made columns come back: the ciphertext need not travel twice.
    const { rows } = await db.query<Pick<Row, 'version' | 'created_at' | 'updated_at' | 'expires_at'>>(
      `INSERT INTO ${this.#table}
         (id, user_id, context_type_encrypted, encrypted_data, encrypted_embedding, search_tokens, data_checksum, nonce, expires_at)
       VALUES ($1, $2, $3, $4, $5, $6::bytea[], $7, $8, $9)
       ON CONFLICT (id) DO NOTHING RETURNING version, created_at, updated_at, expires_at`,
      [id, userId, ...values],
    );
    const stored = rows[0];
    if (!stored) throw new AuraError('AURA_CONFLICT', 'a record with this id already exists; choose a new id');
    return toWire({ id, ...columns, ...stored });
  }

  /** The spec's learn: replace the live record holding all matchTokens, or store a new one. */
  async learn(userId: string, id: string, fields: RecordFields, matchTokens: string[] | undefined) {
    columnsOf(fields); // refuse a bad checksum before opening a transaction
    return withTransaction(this.#pool, async (client) => {
      let replacedId: string | null = null;
      if (matchTokens && matchTokens.length > 0) {
        const { rows } = await client.query<{ id: string }>(
          `SELECT id FROM ${this.#table} WHERE user_id = $1 AND search_tokens @> $2::bytea[] AND ${LIVE}
           ORDER BY updated_at DESC LIMIT 1 FOR UPDATE`,
          [userId, matchTokens.map(b64)],
        );
        replacedId = rows[0]?.id ?? null;
        if (replacedId) await client.query(`DELETE FROM ${this.#table} WHERE id = $1`, [replacedId]);
      }
      const record = await this.create(userId, id, fields, client);
      return {
        status: replacedId ? ('replaced' as const) : ('stored' as const),
        id,
        replacedId,
        version: record.version,
      };
    });
  }

  async get(userId: string, id: string) {
    const { rows } = await this.#pool.query<Row>(
      `SELECT * FROM ${this.#table} WHERE id = $1 AND user_id = $2 AND ${LIVE}`,
      [id, userId],
    );
    if (!rows[0]) throw notFound();
    return toWire(rows[0]);
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
      const [createdAt, id] = decodeCursor(query.cursor);
      params.push(createdAt, id);
      where.push(`(created_at, id) > ($${params.length - 1}::timestamptz, $${params.length}::uuid)`);
    }
    params.push(query.limit + 1);
    const { rows } = await this.#pool.query<Row & { created_at_text: string }>(
      `SELECT *, created_at::text AS created_at_text FROM ${this.#table}
        WHERE ${where.join(' AND ')} ORDER BY created_at, id LIMIT $${params.length}`,
      params,
    );
    const page = rows.slice(0, query.limit);
    const last = page[page.length - 1];
    return { records: page.map(toWire), nextCursor: rows.length > query.limit && last ? encodeCursor(last) : null };
  }

  /** Blind-index search: records holding all (or any) of the tokens, newest first. */
  async search(userId: string, tokens: string[], mode: 'all' | 'any', limit: number) {
    const operator = mode === 'all' ? '@>' : '&&';
    const { rows } = await this.#pool.query<Row>(
      `SELECT * FROM ${this.#table}
        WHERE user_id = $1 AND search_tokens ${operator} $2::bytea[] AND ${LIVE}
        ORDER BY updated_at DESC LIMIT $3`,
      [userId, tokens.map(b64), limit],
    );
    return { records: rows.map(toWire), nextCursor: null };
  }

  /** Optimistic concurrency: the update applies only to the version the client read. */
  async update(userId: string, id: string, version: number, fields: RecordFields) {
    const { values } = columnsOf(fields);
    const { rows } = await this.#pool.query<Row>(
      `UPDATE ${this.#table}
          SET context_type_encrypted = $4, encrypted_data = $5, encrypted_embedding = $6, search_tokens = $7::bytea[],
              data_checksum = $8, nonce = $9, expires_at = $10, version = version + 1, updated_at = now()
        WHERE id = $1 AND user_id = $2 AND version = $3 AND ${LIVE}
        RETURNING *`,
      [id, userId, version, ...values],
    );
    if (rows[0]) return toWire(rows[0]);
    const current = await this.get(userId, id);
    throw new AuraError(
      'AURA_CONFLICT',
      `the record is at version ${current.version}, not ${version}; read it again and retry`,
    );
  }

  async delete(userId: string, id: string): Promise<void> {
    const result = await this.#pool.query(`DELETE FROM ${this.#table} WHERE id = $1 AND user_id = $2`, [id, userId]);
    if (result.rowCount === 0) throw notFound();
  }

  async purgeExpired(userId: string): Promise<number> {
    const result = await this.#pool.query(
      `DELETE FROM ${this.#table} WHERE user_id = $1 AND expires_at IS NOT NULL AND expires_at <= now()`,
      [userId],
    );
    return result.rowCount ?? 0;
  }
}
