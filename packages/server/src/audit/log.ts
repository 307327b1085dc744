import { createHash, randomUUID } from 'node:crypto';
import {
  consistencyProof,
  HASH_BYTES,
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

/** Most appends one batch writes (a bound on the statement, not a target). */
const MAX_BATCH = 256;
/** Batches written at once, on as many connections, for accounts no other batch is writing. */
const BATCHES_AT_ONCE = 2;

/**
 * The perfect subtrees a tree of `size` leaves is made of, largest first (its right edge): for
 * each bit l set in size, node (size >> l) - 1 of level l.
 */
function frontierPositions(size: number): [number, number][] {
  const out: [number, number][] = [];
  for (let level = Math.floor(Math.log2(Math.max(size, 1))); level >= 0; level--) {
    const count = Math.floor(size / 2 ** level);
    if (count % 2 === 1) out.push([level, count - 1]);
  }
  return out;
}

interface Queued {
  userId: string;
  event: AuditEvent;
  resolve: (receipt: Receipt) => void;
  reject: (error: unknown) => void;
}

interface Head {
  user_id: string;
  size: string;
  last_entry_hash: Buffer | null;
  last_root: Buffer | null;
  /** The right edge's hashes, largest subtree first, one after the other. */
  frontier: Buffer;
  audit_public_key: Buffer | null;
}

/**
 * The per-user logs. Appends are serialised per user by a row lock on the log head, so no two
 * entries share an index and none is skipped; each append signs a checkpoint only after
 * checking the log is consistent with the previous one.
 *
 * Appends of their own (not inside a caller's transaction) are group-committed, as Tessera
 * sequences: every append that arrives while a batch is being written goes into the next one,
 * whatever its account, and a batch is one transaction: one statement locks the heads, one reads
 * the right edges of the trees, one writes every entry, node, checkpoint and head. Each entry
 * still gets its own checkpoint and receipt, so clients see what they saw before.
 */
export class AuditLog {
  #queue: Queued[] = [];
  /** Accounts with a batch being written: their next appends wait for it (their order is the log's). */
  #writing = new Set<string>();
  #batches = 0;

  constructor(
    private readonly pool: pg.Pool,
    private readonly signer: LogSigner,
    /** Told after each committed append (notifications). */
    private readonly onAppend: (userId: string, entry: AuditEntry, index: number) => void = () => {},
  ) {}

  async append(userId: string, event: AuditEvent, db?: pg.PoolClient): Promise<Receipt> {
    if (db) {
      // Inside the caller's transaction, which commits right after (notice may precede it by a moment).
      const [receipt] = await this.#write(db, [{ userId, event }]);
      if (!receipt) throw new Error('audit append wrote nothing');
      queueMicrotask(() => this.onAppend(userId, receipt.entry, receipt.index));
      return receipt;
    }
    return new Promise<Receipt>((resolve, reject) => {
      this.#queue.push({ userId, event, resolve, reject });
      this.#pump();
    });
  }

  /**
   * Starts batches while fewer than BATCHES_AT_ONCE are being written: each takes every queued
   * append of the accounts no batch is writing now, in arrival order.
   */
  #pump(): void {
    while (this.#batches < BATCHES_AT_ONCE && this.#queue.length > 0) {
      const batch: Queued[] = [];
      const rest: Queued[] = [];
      for (const item of this.#queue) {
        if (batch.length < MAX_BATCH && !this.#writing.has(item.userId)) batch.push(item);
        else rest.push(item);
      }
      if (batch.length === 0) return;
      // An account's later appends stay behind its earlier ones, in this batch or the next.
      const users = new Set(batch.map((i) => i.userId));
      this.#queue = rest;
      for (const user of users) this.#writing.add(user);
      this.#batches++;
      void this.#run(batch).finally(() => {
        for (const user of users) this.#writing.delete(user);
        this.#batches--;
        this.#pump();
      });
    }
  }

  async #run(batch: Queued[]): Promise<void> {
    try {
      const receipts = await withTransaction(this.pool, (db) => this.#write(db, batch));
      for (const [i, item] of batch.entries()) this.#settle(item, receipts[i]);
    } catch (error) {
      if (batch.length === 1) {
        batch[0]?.reject(error);
        return;
      }
      // One bad append (an account deleted meanwhile, a tampered tree) must fail alone.
      for (const item of batch) {
        try {
          const [receipt] = await withTransaction(this.pool, (db) => this.#write(db, [item]));
          this.#settle(item, receipt);
        } catch (alone) {
          item.reject(alone);
        }
      }
    }
  }

  #settle(item: Queued, receipt: Receipt | undefined): void {
    if (!receipt) {
      item.reject(new Error('audit append wrote nothing'));
      return;
    }
    item.resolve(receipt);
    this.onAppend(item.userId, receipt.entry, receipt.index);
  }

  /** Appends `items` in order, in the transaction `db`: their receipts, in the same order. */
  async #write(db: pg.PoolClient, items: { userId: string; event: AuditEvent }[]): Promise<Receipt[]> {
    // One statement creates or locks every head, in one order, so two batches cannot deadlock:
    // appends for an account queue here, across processes too.
    const users = [...new Set(items.map((i) => i.userId))].sort();
    const heads = new Map(
      (
        await db.query<Head>(
          `INSERT INTO audit_logs (user_id) SELECT u FROM unnest($1::uuid[]) AS u ORDER BY u
           ON CONFLICT (user_id) DO UPDATE SET user_id = EXCLUDED.user_id
           RETURNING user_id, size, last_entry_hash, last_root, frontier,
                     (SELECT audit_public_key FROM users WHERE id = audit_logs.user_id) AS audit_public_key`,
          [users],
        )
      ).rows.map((h) => [h.user_id, h]),
    );
    // Every node an append needs that it does not make is on the right edge of the tree as it
    // was before the batch, which the head keeps.
    const stored = new Map<string, Uint8Array>();
    for (const head of heads.values()) {
      const positions = frontierPositions(Number(head.size));
      if (positions.length * HASH_BYTES !== head.frontier.length) {
        throw new AuraError(
          'AURA_AUDIT_INTEGRITY',
          "the audit log's stored right edge does not fit its size; nothing was signed",
        );
      }
      for (const [k, [level, i]] of positions.entries())
        stored.set(
          `${head.user_id}/${level}/${i}`,
          new Uint8Array(head.frontier.subarray(k * HASH_BYTES, (k + 1) * HASH_BYTES)),
        );
    }

    const rows = {
      entries: [] as [string, number, string, Buffer, string, number][],
      nodes: [] as [string, number, number, Buffer][],
      checkpoints: [] as [string, number, Buffer, string][],
    };
    const state = new Map<
      string,
      { size: number; lastHash: Buffer | null; root: Uint8Array | null; node: PerfectNode | null }
    >();
    const pending = new Map<string, Uint8Array>();
    const receipts: Receipt[] = [];
    for (const { userId, event } of items) {
      const head = heads.get(userId);
      if (!head) throw new Error('audit log head missing');
      let at = state.get(userId);
      if (!at) {
        at = { size: Number(head.size), lastHash: head.last_entry_hash, root: null, node: null };
        state.set(userId, at);
      }
      const node: PerfectNode = (level, i) => {
        const key = `${userId}/${level}/${i}`;
        const hash = pending.get(key) ?? stored.get(key);
        if (!hash) throw new Error(`audit node ${level}/${i} is missing`);
        return hash;
      };
      at.node = node;
      const index = at.size;
      const size = index + 1;
      const entry = this.#entry(event, head, at.lastHash);
      const leafInput = Buffer.from(canonicalJson(entry));
      // The new leaf and the perfect subtrees it completes, known by position alone.
      pending.set(`${userId}/0/${index}`, leafHash(leafInput));
      rows.nodes.push([userId, 0, index, Buffer.from(leafHash(leafInput))]);
      for (let level = 0, i = index; i % 2 === 1; level++, i = (i - 1) / 2) {
        const parent = nodeHash(node(level, i - 1), node(level, i));
        pending.set(`${userId}/${level + 1}/${(i - 1) / 2}`, parent);
        rows.nodes.push([userId, level + 1, (i - 1) / 2, Buffer.from(parent)]);
      }
      const root = rangeHash(node, 0, size);
      // Refuse to sign a checkpoint that does not extend the last one signed (the rest of the
      // batch extends what this batch computed).
      if (index > 0 && at.root === null) {
        const proof = consistencyProof(node, index, size);
        if (!head.last_root || !verifyConsistency(index, size, proof, new Uint8Array(head.last_root), root)) {
          throw new AuraError(
            'AURA_AUDIT_INTEGRITY',
            'the audit log is not consistent with its last checkpoint; nothing was signed',
          );
        }
      }
      const checkpoint = this.signer.signCheckpoint(userId, size, root);
      const entryHash = createHash('sha256').update(leafInput).digest();
      rows.entries.push([userId, index, entry.entryId, leafInput, entry.eventType, entry.timestamp]);
      rows.checkpoints.push([userId, size, Buffer.from(root), checkpoint]);
      receipts.push({ index, checkpoint, inclusionProof: inclusionProof(node, index, size).map(toBase64), entry });
      at.size = size;
      at.lastHash = entryHash;
      at.root = root;
    }
    const ends = [...state.entries()].map(([userId, at]) => ({
      userId,
      ...at,
      frontier: Buffer.concat(frontierPositions(at.size).map(([l, i]) => (at.node as PerfectNode)(l, i))),
    }));
    const column = (list: unknown[][], k: number) => list.map((r) => r[k]);
    await db.query(
      `WITH entry AS (
         INSERT INTO audit_entries (user_id, idx, entry_id, leaf_input, event_type, created_at)
         SELECT u, i, e, l, t, to_timestamp(ms / 1000.0)
           FROM unnest($1::uuid[], $2::bigint[], $3::uuid[], $4::bytea[], $5::text[], $6::float8[]) AS x(u, i, e, l, t, ms)
       ), nodes AS (
         INSERT INTO audit_nodes (user_id, level, idx, hash)
         SELECT * FROM unnest($7::uuid[], $8::smallint[], $9::bigint[], $10::bytea[])
       ), checkpoint AS (
         INSERT INTO audit_checkpoints (user_id, size, root, note)
         SELECT * FROM unnest($11::uuid[], $12::bigint[], $13::bytea[], $14::text[])
       )
       UPDATE audit_logs a SET size = h.size, last_entry_hash = h.hash, last_root = h.root,
              frontier = h.frontier
         FROM unnest($15::uuid[], $16::bigint[], $17::bytea[], $18::bytea[], $19::bytea[])
              AS h(user_id, size, hash, root, frontier)
        WHERE a.user_id = h.user_id`,
      [
        ...[0, 1, 2, 3, 4, 5].map((k) => column(rows.entries, k)),
        ...[0, 1, 2, 3].map((k) => column(rows.nodes, k)),
        ...[0, 1, 2, 3].map((k) => column(rows.checkpoints, k)),
        ends.map((e) => e.userId),
        ends.map((e) => e.size),
        ends.map((e) => e.lastHash),
        ends.map((e) => (e.root ? Buffer.from(e.root) : null)),
        ends.map((e) => e.frontier),
      ],
    );
    return receipts;
  }

  #entry(event: AuditEvent, head: Head, lastHash: Buffer | null): AuditEntry {
    let sealedMetadata = event.sealedMetadata ?? null;
    if (!sealedMetadata && event.sensitive && head.audit_public_key) {
      sealedMetadata = toBase64(
        sealTo(new Uint8Array(head.audit_public_key), 'audit-metadata', Buffer.from(JSON.stringify(event.sensitive))),
      );
    }
    return {
      entryId: randomUUID(),
      timestamp: Date.now(),
      eventType: event.eventType,
      actorId: event.actorId,
      actorType: event.actorType,
      targetId: event.targetId ?? null,
      action: event.action,
      result: event.result,
      sealedMetadata,
      previousHash: lastHash ? lastHash.toString('hex') : '',
      ...(event.signed ? { signed: { statement: event.signed.statement, signature: event.signed.signature } } : {}),
    };
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
