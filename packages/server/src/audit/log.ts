import { createHash, randomUUID } from 'node:crypto';
import {
  consistencyProof,
  inclusionProof,
  leafHash,
  nodeHash,
  type PerfectNode,
  perfectNodesNeeded,
  rangeHash,
  verifyConsistency,
} from '@aura/crypto/merkle';
import { sealTo } from '@aura/crypto/public';
import { AuraError } from '@aura/errors';
import { type AuditEntry, canonicalJson } from '@aura/protocol';
import type pg from 'pg';
import type { LogSigner } from './signer.ts';

type Db = pg.Pool | pg.PoolClient;

export interface AuditEvent {
  eventType: string;
  actorId: string;
  actorType: AuditEntry['actorType'];
  targetId?: string | null;
  action: string;
  result: AuditEntry['result'];
  /** Sealed to the user's audit key before it is stored; dropped if the user has none. */
  sensitive?: Record<string, unknown>;
  /** Already sealed by the client. */
  sealedMetadata?: string;
}

export interface Receipt {
  index: number;
  checkpoint: string;
  inclusionProof: string[];
}

const b64 = (b: Uint8Array) => Buffer.from(b).toString('base64');

/** Perfect-subtree hashes for `pairs`, from the database, plus any computed but not yet stored. */
async function nodeSource(db: Db, userId: string, pairs: [number, number][], pending = new Map<string, Uint8Array>()) {
  const missing = pairs.filter(([l, i]) => !pending.has(`${l}/${i}`));
  const found = new Map(pending);
  if (missing.length > 0) {
    const { rows } = await db.query<{ level: number; idx: string; hash: Buffer }>(
      `SELECT level, idx, hash FROM audit_nodes
        WHERE user_id = $1 AND (level, idx) IN (SELECT * FROM unnest($2::smallint[], $3::bigint[]))`,
      [userId, missing.map(([l]) => l), missing.map(([, i]) => i)],
    );
    for (const r of rows) found.set(`${r.level}/${r.idx}`, new Uint8Array(r.hash));
  }
  const node: PerfectNode = (level, index) => {
    const hash = found.get(`${level}/${index}`);
    if (!hash) throw new Error(`audit node ${level}/${index} is missing`);
    return hash;
  };
  return node;
}

/** Runs a tree computation with the nodes it needs fetched in one query. */
async function withNodes<T>(
  db: Db,
  userId: string,
  run: (node: PerfectNode) => T,
  pending?: Map<string, Uint8Array>,
): Promise<T> {
  return run(await nodeSource(db, userId, perfectNodesNeeded(run), pending));
}

/**
 * The per-user log. Appends are serialised per user by a row lock on the log head, so no two
 * entries share an index and none is skipped; each append signs a checkpoint only after
 * checking it is consistent with the previous one.
 */
export class AuditLog {
  constructor(
    private readonly pool: pg.Pool,
    private readonly signer: LogSigner,
  ) {}

  async append(userId: string, event: AuditEvent, db?: pg.PoolClient): Promise<Receipt> {
    if (db) return this.#append(db, userId, event);
    const client = await this.pool.connect();
    try {
      await client.query('BEGIN');
      const receipt = await this.#append(client, userId, event);
      await client.query('COMMIT');
      return receipt;
    } catch (error) {
      await client.query('ROLLBACK').catch(() => {});
      throw error;
    } finally {
      client.release();
    }
  }

  async #append(db: pg.PoolClient, userId: string, event: AuditEvent): Promise<Receipt> {
    await db.query('INSERT INTO audit_logs (user_id) VALUES ($1) ON CONFLICT (user_id) DO NOTHING', [userId]);
    const head = (
      await db.query<{ size: string; last_entry_hash: Buffer | null; audit_public_key: Buffer | null }>(
        `SELECT l.size, l.last_entry_hash, u.audit_public_key FROM audit_logs l JOIN users u ON u.id = l.user_id
          WHERE l.user_id = $1 FOR UPDATE OF l`,
        [userId],
      )
    ).rows[0];
    if (!head) throw new Error('audit log head missing');
    const index = Number(head.size);
    let sealedMetadata = event.sealedMetadata ?? null;
    if (!sealedMetadata && event.sensitive && head.audit_public_key) {
      sealedMetadata = b64(
        sealTo(new Uint8Array(head.audit_public_key), 'audit-metadata', Buffer.from(JSON.stringify(event.sensitive))),
      );
    }
    const entry: AuditEntry = {
      entryId: randomUUID(),
      timestamp: Date.now(),
      eventType: event.eventType,
      actorId: event.actorId,
      actorType: event.actorType,
      targetId: event.targetId ?? null,
      action: event.action,
      result: event.result,
      sealedMetadata,
      previousHash: head.last_entry_hash ? head.last_entry_hash.toString('hex') : '',
    };
    const leafInput = Buffer.from(canonicalJson(entry));
    const entryHash = createHash('sha256').update(leafInput).digest();

    // The new leaf and every perfect subtree it completes.
    const pending = new Map<string, Uint8Array>([[`0/${index}`, leafHash(leafInput)]]);
    const lefts: [number, number][] = [];
    for (let level = 0, i = index; i % 2 === 1; level++, i = (i - 1) / 2) lefts.push([level, i - 1]);
    const stored = await nodeSource(db, userId, lefts);
    for (let level = 0, i = index; i % 2 === 1; level++, i = (i - 1) / 2) {
      const right = pending.get(`${level}/${i}`) as Uint8Array;
      pending.set(`${level + 1}/${(i - 1) / 2}`, nodeHash(stored(level, i - 1), right));
    }
    const size = index + 1;
    const root = await withNodes(db, userId, (node) => rangeHash(node, 0, size), pending);

    // Refuse to sign a checkpoint that does not extend the last one.
    if (index > 0) {
      const last = (
        await db.query<{ root: Buffer }>('SELECT root FROM audit_checkpoints WHERE user_id = $1 AND size = $2', [
          userId,
          index,
        ])
      ).rows[0];
      const proof = await withNodes(db, userId, (node) => consistencyProof(node, index, size), pending);
      if (!last || !verifyConsistency(index, size, proof, new Uint8Array(last.root), root)) {
        throw new AuraError(
          'AURA_AUDIT_INTEGRITY',
          'the audit log is not consistent with its last checkpoint; nothing was signed',
        );
      }
    }
    const checkpoint = this.signer.signCheckpoint(userId, size, root);
    const proof = await withNodes(db, userId, (node) => inclusionProof(node, index, size), pending);

    await db.query(
      'INSERT INTO audit_entries (user_id, idx, entry_id, leaf_input, event_type, created_at) VALUES ($1, $2, $3, $4, $5, to_timestamp($6 / 1000.0))',
      [userId, index, entry.entryId, leafInput, entry.eventType, entry.timestamp],
    );
    const nodes = [...pending.entries()].map(
      ([key, hash]) => [...key.split('/').map(Number), hash] as [number, number, Uint8Array],
    );
    await db.query(
      `INSERT INTO audit_nodes (user_id, level, idx, hash)
       SELECT $1, * FROM unnest($2::smallint[], $3::bigint[], $4::bytea[])`,
      [userId, nodes.map((n) => n[0]), nodes.map((n) => n[1]), nodes.map((n) => Buffer.from(n[2]))],
    );
    await db.query('UPDATE audit_logs SET size = $2, last_entry_hash = $3 WHERE user_id = $1', [
      userId,
      size,
      entryHash,
    ]);
    await db.query('INSERT INTO audit_checkpoints (user_id, size, root, note) VALUES ($1, $2, $3, $4)', [
      userId,
      size,
      Buffer.from(root),
      checkpoint,
    ]);
    return { index, checkpoint, inclusionProof: proof.map(b64) };
  }

  async checkpoint(userId: string, size?: number): Promise<{ size: number; note: string }> {
    const { rows } = await this.pool.query<{ size: string; note: string }>(
      size === undefined
        ? 'SELECT size, note FROM audit_checkpoints WHERE user_id = $1 ORDER BY size DESC LIMIT 1'
        : 'SELECT size, note FROM audit_checkpoints WHERE user_id = $1 AND size = $2',
      size === undefined ? [userId] : [userId, size],
    );
    const row = rows[0];
    if (!row)
      throw new AuraError(
        'AURA_NOT_FOUND',
        size === undefined ? 'this account has no audit entries yet' : `no checkpoint of size ${size}`,
      );
    return { size: Number(row.size), note: row.note };
  }

  async consistency(userId: string, from: number, to: number): Promise<string[]> {
    const { size } = await this.checkpoint(userId);
    if (from > to || to > size)
      throw new AuraError('AURA_INVALID_INPUT', `sizes must satisfy 1 <= from <= to <= ${size}`);
    return (await withNodes(this.pool, userId, (node) => consistencyProof(node, from, to))).map(b64);
  }

  async entries(userId: string, start: number, limit: number, treeSize?: number) {
    const size = treeSize ?? (await this.checkpoint(userId)).size;
    const latest = (await this.checkpoint(userId)).size;
    if (size > latest) throw new AuraError('AURA_INVALID_INPUT', `treeSize must be at most ${latest}`);
    const { rows } = await this.pool.query<{ idx: string; leaf_input: Buffer }>(
      'SELECT idx, leaf_input FROM audit_entries WHERE user_id = $1 AND idx >= $2 AND idx < $3 ORDER BY idx LIMIT $4',
      [userId, start, size, limit],
    );
    const entries = [];
    for (const row of rows) {
      const index = Number(row.idx);
      const proof = await withNodes(this.pool, userId, (node) => inclusionProof(node, index, size));
      entries.push({
        index,
        leafInput: row.leaf_input.toString('base64'),
        entry: JSON.parse(row.leaf_input.toString('utf8')) as AuditEntry,
        inclusionProof: proof.map(b64),
      });
    }
    return { treeSize: size, entries };
  }
}
