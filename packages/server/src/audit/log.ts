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
import { type AuditEntry, type AuditReceipt, canonicalJson } from '@aura/protocol';
import type pg from 'pg';
import { toBase64 } from '../base64.ts';
import { withTransaction } from '../db/transaction.ts';
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
  /** A change signed by a device of the user, checked before it gets here (history/signed-change.ts). */
  signed?: { statement: string; signature: string };
}

/** The receipt a route answers with, and the entry it is for. */
export interface Receipt extends AuditReceipt {
  entry: AuditEntry;
}

/** Perfect-subtree hashes for `pairs`, fetched in one query. */
async function nodeSource(db: Db, userId: string, pairs: [number, number][]): Promise<PerfectNode> {
  const found = new Map<string, Uint8Array>();
  if (pairs.length > 0) {
    const { rows } = await db.query<{ level: number; idx: string; hash: Buffer }>(
      `SELECT level, idx, hash FROM audit_nodes
        WHERE user_id = $1 AND (level, idx) IN (SELECT * FROM unnest($2::smallint[], $3::bigint[]))`,
      [userId, pairs.map(([l]) => l), pairs.map(([, i]) => i)],
    );
    for (const r of rows) found.set(`${r.level}/${r.idx}`, new Uint8Array(r.hash));
  }
  return (level, index) => {
    const hash = found.get(`${level}/${index}`);
    if (!hash) throw new Error(`audit node ${level}/${index} is missing`);
    return hash;
  };
}

/** Runs a tree computation with the nodes it needs fetched in one query. */
async function withNodes<T>(db: Db, userId: string, run: (node: PerfectNode) => T): Promise<T> {
  return run(await nodeSource(db, userId, perfectNodesNeeded(run)));
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
    /** Told after each committed append (notifications). */
    private readonly onAppend: (userId: string, entry: AuditEntry, index: number) => void = () => {},
  ) {}

  async append(userId: string, event: AuditEvent, db?: pg.PoolClient): Promise<Receipt> {
    if (db) {
      // Inside the caller's transaction, which commits right after (notice may precede it by a moment).
      const receipt = await this.#append(db, userId, event);
      queueMicrotask(() => this.onAppend(userId, receipt.entry, receipt.index));
      return receipt;
    }
    const receipt = await withTransaction(this.pool, (client) => this.#append(client, userId, event));
    this.onAppend(userId, receipt.entry, receipt.index);
    return receipt;
  }

  async #append(db: pg.PoolClient, userId: string, event: AuditEvent): Promise<Receipt> {
    // One statement creates or locks the log head and returns it: appends for a user queue here.
    const head = (
      await db.query<{
        size: string;
        last_entry_hash: Buffer | null;
        last_root: Buffer | null;
        audit_public_key: Buffer | null;
      }>(
        `INSERT INTO audit_logs (user_id) VALUES ($1)
         ON CONFLICT (user_id) DO UPDATE SET user_id = EXCLUDED.user_id
         RETURNING size, last_entry_hash, last_root, (SELECT audit_public_key FROM users WHERE id = $1) AS audit_public_key`,
        [userId],
      )
    ).rows[0];
    if (!head) throw new Error('audit log head missing');
    const index = Number(head.size);
    const size = index + 1;
    let sealedMetadata = event.sealedMetadata ?? null;
    if (!sealedMetadata && event.sensitive && head.audit_public_key) {
      sealedMetadata = toBase64(
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
      ...(event.signed ? { signed: { statement: event.signed.statement, signature: event.signed.signature } } : {}),
    };
    const leafInput = Buffer.from(canonicalJson(entry));
    const entryHash = createHash('sha256').update(leafInput).digest();

    // The new leaf and the perfect subtrees it completes are known by position alone; every
    // other node the root and both proofs need comes from the database in one query.
    const created: [number, number][] = [[0, index]];
    for (let level = 0, i = index; i % 2 === 1; level++, i = (i - 1) / 2) created.push([level + 1, (i - 1) / 2]);
    const isCreated = new Set(created.map(([l, i]) => `${l}/${i}`));
    const lefts: [number, number][] = created.slice(1).map(([l, i]) => [l - 1, 2 * i]);
    const needed = [
      ...lefts,
      ...perfectNodesNeeded((node) => rangeHash(node, 0, size)),
      ...perfectNodesNeeded((node) => inclusionProof(node, index, size)),
      ...(index > 0 ? perfectNodesNeeded((node) => consistencyProof(node, index, size)) : []),
    ].filter(([l, i]) => !isCreated.has(`${l}/${i}`));
    const stored = await nodeSource(db, userId, needed);
    const pending = new Map<string, Uint8Array>([[`0/${index}`, leafHash(leafInput)]]);
    for (const [level, i] of created.slice(1)) {
      pending.set(
        `${level}/${i}`,
        nodeHash(stored(level - 1, 2 * i), pending.get(`${level - 1}/${2 * i + 1}`) as Uint8Array),
      );
    }
    const node: PerfectNode = (level, i) => pending.get(`${level}/${i}`) ?? stored(level, i);
    const root = rangeHash(node, 0, size);

    // Refuse to sign a checkpoint that does not extend the last one.
    if (index > 0) {
      const proof = consistencyProof(node, index, size);
      if (!head.last_root || !verifyConsistency(index, size, proof, new Uint8Array(head.last_root), root)) {
        throw new AuraError(
          'AURA_AUDIT_INTEGRITY',
          'the audit log is not consistent with its last checkpoint; nothing was signed',
        );
      }
    }
    const checkpoint = this.signer.signCheckpoint(userId, size, root);
    const proof = inclusionProof(node, index, size);
    const nodes = [...pending.entries()].map(
      ([key, hash]) => [...key.split('/').map(Number), hash] as [number, number, Uint8Array],
    );
    await db.query(
      `WITH entry AS (
         INSERT INTO audit_entries (user_id, idx, entry_id, leaf_input, event_type, created_at)
         VALUES ($1, $2, $3, $4, $5, to_timestamp($6 / 1000.0))
       ), nodes AS (
         INSERT INTO audit_nodes (user_id, level, idx, hash)
         SELECT $1, * FROM unnest($7::smallint[], $8::bigint[], $9::bytea[])
       ), checkpoint AS (
         INSERT INTO audit_checkpoints (user_id, size, root, note) VALUES ($1, $10, $11, $12)
       )
       UPDATE audit_logs SET size = $10, last_entry_hash = $13, last_root = $11 WHERE user_id = $1`,
      [
        userId,
        index,
        entry.entryId,
        leafInput,
        entry.eventType,
        entry.timestamp,
        nodes.map((n) => n[0]),
        nodes.map((n) => n[1]),
        nodes.map((n) => Buffer.from(n[2])),
        size,
        Buffer.from(root),
        checkpoint,
        entryHash,
      ],
    );
    return { index, checkpoint, inclusionProof: proof.map(toBase64), entry };
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
    return (await withNodes(this.pool, userId, (node) => consistencyProof(node, from, to))).map(toBase64);
  }

  /** The inclusion proof of entry `index` in the tree of `size` entries. */
  async inclusion(userId: string, index: number, size: number): Promise<string[]> {
    return (await withNodes(this.pool, userId, (node) => inclusionProof(node, index, size))).map(toBase64);
  }

  /**
   * The raw leaves from `start` up to the newest checkpoint, with that checkpoint: what a client
   * needs to extend its own copy of the tree and replay the signed changes (client/ledger.ts).
   */
  async leaves(userId: string, start: number, limit: number) {
    // One statement: the newest checkpoint and the leaves below its size (a vault read's tail).
    const { rows } = await this.pool.query<{
      size: string;
      note: string;
      idx: string | null;
      leaf_input: Buffer | null;
    }>(
      `SELECT c.size, c.note, e.idx, e.leaf_input
         FROM (SELECT size, note FROM audit_checkpoints WHERE user_id = $1 ORDER BY size DESC LIMIT 1) c
         LEFT JOIN LATERAL (
           SELECT idx, leaf_input FROM audit_entries
            WHERE user_id = $1 AND idx >= $2 AND idx < c.size ORDER BY idx LIMIT $3) e ON true`,
      [userId, start, limit],
    );
    // A client past the newest checkpoint gets the checkpoint and no leaves, not an error: it is
    // the client that decides that a log smaller than what it verified was rolled back.
    const latest = rows[0];
    if (!latest) return { checkpoint: '', treeSize: 0, leaves: [] };
    const size = Number(latest.size);
    return {
      checkpoint: latest.note,
      treeSize: size,
      leaves: rows
        .filter((r) => r.idx !== null && r.leaf_input !== null)
        .map((r) => ({ index: Number(r.idx), leafInput: toBase64(r.leaf_input as Buffer) })),
    };
  }

  async entries(userId: string, start: number, limit: number, treeSize?: number) {
    const latest = (await this.checkpoint(userId)).size;
    const size = treeSize ?? latest;
    if (size > latest) throw new AuraError('AURA_INVALID_INPUT', `treeSize must be at most ${latest}`);
    const { rows } = await this.pool.query<{ idx: string; leaf_input: Buffer }>(
      'SELECT idx, leaf_input FROM audit_entries WHERE user_id = $1 AND idx >= $2 AND idx < $3 ORDER BY idx LIMIT $4',
      [userId, start, size, limit],
    );
    // Every proof of the page from one query: a page of 500 is one round trip, not 500.
    const proofs = await withNodes(this.pool, userId, (node) =>
      rows.map((row) => inclusionProof(node, Number(row.idx), size)),
    );
    const entries = rows.map((row, i) => ({
      index: Number(row.idx),
      leafInput: toBase64(row.leaf_input),
      entry: JSON.parse(row.leaf_input.toString('utf8')) as AuditEntry,
      inclusionProof: (proofs[i] ?? []).map(toBase64),
    }));
    return { treeSize: size, entries };
  }
}
