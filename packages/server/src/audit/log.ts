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
import { GroupCommit, type Settled } from '../db/group-commit.ts';
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

/**
 * Perfect-subtree hashes for `pairs`, fetched in one query, and the size of the newest signed
 * checkpoint with them (one round trip where a proof must stay within the signed log).
 */
async function nodeSource(
  db: Db,
  userId: string,
  pairs: [number, number][],
): Promise<{ node: PerfectNode; signedSize: number | null }> {
  const found = new Map<string, Uint8Array>();
  // An index probe per node, whatever the statistics say: as a plain join, an account whose log
  // grew since its table was last analysed got a scan of all its nodes and a hash join (0.8 ms
  // instead of 0.1 at 4,000 nodes). LIMIT 1 keeps each lookup its own subquery. Named, so it is
  // planned once per connection; the last row is the newest checkpoint's size.
  const { rows } = await db.query<{
    level: number | null;
    idx: string | null;
    hash: Buffer | null;
    size: string | null;
  }>({
    name: 'aura-audit-nodes',
    text: `SELECT k.level, k.idx, n.hash, NULL::bigint AS size
             FROM unnest($2::smallint[], $3::bigint[]) AS k(level, idx)
             CROSS JOIN LATERAL (
               SELECT hash FROM audit_nodes WHERE user_id = $1 AND level = k.level AND idx = k.idx LIMIT 1
             ) n
           UNION ALL
           SELECT NULL, NULL, NULL, (SELECT max(size) FROM audit_checkpoints WHERE user_id = $1)`,
    values: [userId, pairs.map(([l]) => l), pairs.map(([, i]) => i)],
  });
  let signedSize: number | null = null;
  for (const r of rows) {
    if (r.hash && r.level !== null && r.idx !== null) found.set(`${r.level}/${r.idx}`, new Uint8Array(r.hash));
    else if (r.size !== null) signedSize = Number(r.size);
  }
  const node: PerfectNode = (level, index) => {
    const hash = found.get(`${level}/${index}`);
    if (!hash) throw new Error(`audit node ${level}/${index} is missing`);
    return hash;
  };
  return { node, signedSize };
}

/**
 * Runs a tree computation with the nodes it needs fetched in one query; `within` first checks
 * the newest signed size read with them (a proof beyond the signed log is refused, not computed).
 */
async function withNodes<T>(
  db: Db,
  userId: string,
  run: (node: PerfectNode) => T,
  within: (signedSize: number | null) => void = () => {},
): Promise<T> {
  const { node, signedSize } = await nodeSource(db, userId, perfectNodesNeeded(run));
  within(signedSize);
  return run(node);
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

/** A log's head: where its tree stands, and the key its sealed details go to. */
interface Tree {
  size: number;
  lastHash: Buffer | null;
  root: Buffer | null;
  /** The right edge's hashes, largest subtree first, one after the other. */
  frontier: Buffer;
  publicKey: Buffer | null;
}

/** Heads kept per process (a few hundred bytes each): the accounts that wrote last. */
const HEADS_KEPT = 10_000;
/** Rounds lost to other processes writing the same logs before an append gives up. */
const MAX_ROUNDS = 50;

interface Item {
  userId: string;
  event: AuditEvent;
}

/** A batch computed on its heads: the rows to write, the receipts, and each head's move. */
interface Batch {
  rows: {
    entries: [string, number, string, Buffer, string, number][];
    nodes: [string, number, number, Buffer][];
    checkpoints: [string, number, Buffer, string][];
  };
  receipts: Receipt[];
  moves: Map<string, Move>;
}

/** A head on its way: where it was, where it is so far, and the tree's nodes as the batch knows them. */
type Move = Tree & { was: Tree; node: PerfectNode };

/**
 * The per-user logs. No two entries share an index or skip one, and a checkpoint is signed only
 * after checking the log is consistent with the last one.
 *
 * Appends are group-committed, as Tessera sequences: every append that arrives while a batch is
 * being written goes into the next one, whatever its account, and a batch is one statement. It
 * moves each head from the state the batch was computed on to the new one, and writes the
 * entries, nodes and checkpoints of exactly the accounts whose head it moved. An account another
 * process wrote meanwhile is not moved; its appends are computed again on the head as it is now.
 * So a batch is one round trip when this process wrote the account last (it keeps the heads it
 * wrote), two otherwise, and a crash anywhere leaves every log as it was before the batch.
 * A batch signs one checkpoint per account, of the tree with all its entries (a signature per
 * entry was the largest CPU cost of an append), and every entry's receipt proves it in that
 * tree: the receipt a client checks is the one it checked before.
 */
export class AuditLog {
  /** Appends outside a transaction; an account's appends are in one batch at a time, in order (the log's). */
  readonly #appends = new GroupCommit<Item, Receipt>({
    key: (item) => item.userId,
    batch: async (items) => {
      const receipts = await this.#write(this.pool, items);
      return items.map((item, i) => this.#settled(item, receipts[i]));
    },
    alone: async (item) => {
      const [receipt] = await this.#write(this.pool, [item]);
      const outcome = this.#settled(item, receipt);
      if ('error' in outcome) throw outcome.error;
      return outcome.ok;
    },
    maxBatch: MAX_BATCH,
    batchesAtOnce: BATCHES_AT_ONCE,
  });
  /** The heads this process wrote last, by account: a guess at where each log stands. */
  #heads = new Map<string, Tree>();

  constructor(
    private readonly pool: pg.Pool,
    private readonly signer: LogSigner,
    /** Told after each committed append (notifications). */
    private readonly onAppend: (userId: string, entry: AuditEntry, index: number) => void = () => {},
  ) {}

  async append(userId: string, event: AuditEvent, db?: pg.PoolClient): Promise<Receipt> {
    if (db) {
      const [receipt] = await this.appendAll(db, [{ userId, event }]);
      if (!receipt) throw new Error('audit append wrote nothing');
      return receipt;
    }
    return this.#appends.submit({ userId, event });
  }

  /**
   * Appends `items` in order inside the caller's transaction, which commits right after (their
   * notices may precede it by a moment): one statement for all of them.
   */
  async appendAll(db: pg.PoolClient, items: { userId: string; event: AuditEvent }[]): Promise<Receipt[]> {
    const receipts = await this.#write(db, items, true);
    queueMicrotask(() => {
      for (const [i, item] of items.entries()) {
        const receipt = receipts[i];
        if (receipt) this.onAppend(item.userId, receipt.entry, receipt.index);
      }
    });
    return receipts;
  }

  /** A batch's outcome for one append, told to `onAppend` when it was stored. */
  #settled(item: Item, receipt: Receipt | undefined): Settled<Receipt> {
    if (!receipt) return { error: new Error('audit append wrote nothing') };
    this.onAppend(item.userId, receipt.entry, receipt.index);
    return { ok: receipt };
  }

  #keep(userId: string, tree: Tree): void {
    this.#heads.delete(userId);
    this.#heads.set(userId, tree);
    if (this.#heads.size > HEADS_KEPT) {
      const oldest = this.#heads.keys().next().value;
      if (oldest !== undefined) this.#heads.delete(oldest);
    }
  }

  /**
   * Appends `items` in order: their receipts, in the same order. On the pool each statement
   * commits by itself, and the heads this process wrote last stand in for reading them: only a
   * guess (another process may have written since), which the statement's guard checks. In a
   * caller's transaction (`lock`) the heads are locked as they are read instead: writers of one
   * account queue on the lock rather than each computing on a head that the one before moves.
   */
  async #write(db: Db, items: Item[], lock = false): Promise<Receipt[]> {
    const receipts = new Array<Receipt>(items.length);
    let todo = [...items.keys()];
    for (let round = 0; todo.length > 0; round++) {
      if (round === MAX_ROUNDS) {
        throw new AuraError('AURA_BUSY', 'the audit log is too busy to take this change now; try again');
      }
      const users = [...new Set(todo.map((k) => (items[k] as Item).userId))];
      const heads = new Map<string, Tree>();
      const unread: string[] = [];
      for (const user of users) {
        const head = round === 0 && !lock ? this.#heads.get(user) : undefined;
        if (head) heads.set(user, head);
        else unread.push(user);
      }
      const read = unread.length > 0 ? await this.#read(db, unread, lock) : new Map<string, Tree>();
      for (const [user, head] of read) heads.set(user, head);
      const batch = this.#compute(
        todo.map((k) => items[k] as Item),
        heads,
        new Set(read.keys()),
      );
      const moved = await this.#commit(db, batch);
      for (const [i, k] of todo.entries()) {
        const receipt = batch.receipts[i] as Receipt;
        if (moved.has((items[k] as Item).userId)) receipts[k] = receipt;
      }
      for (const [user, { was: _was, node: _node, ...tree }] of batch.moves) {
        if (!moved.has(user)) this.#heads.delete(user);
        else this.#keep(user, tree);
      }
      todo = todo.filter((k) => !moved.has((items[k] as Item).userId));
    }
    return receipts;
  }

  /** The heads of `users` as stored, each log created empty if it has no head yet. */
  async #read(db: Db, users: string[], lock: boolean): Promise<Map<string, Tree>> {
    type Row = {
      user_id: string;
      size: string | null;
      last_entry_hash: Buffer | null;
      last_root: Buffer | null;
      frontier: Buffer | null;
      audit_public_key: Buffer | null;
    };
    // Locked, the heads are read as the last writer before this one left them (it waits for them).
    const query = () =>
      lock
        ? db.query<Row>(
            `SELECT l.user_id, l.size, l.last_entry_hash, l.last_root, l.frontier,
                    (SELECT audit_public_key FROM users WHERE id = l.user_id) AS audit_public_key
               FROM audit_logs l WHERE l.user_id = ANY($1::uuid[]) ORDER BY l.user_id FOR UPDATE`,
            [users],
          )
        : db.query<Row>(
            `SELECT u.id AS user_id, l.size, l.last_entry_hash, l.last_root, l.frontier, u.audit_public_key
               FROM unnest($1::uuid[]) AS x(id) JOIN users u ON u.id = x.id LEFT JOIN audit_logs l ON l.user_id = u.id`,
            [users],
          );
    let { rows } = await query();
    // An account's first entry: its head is made, then read (and locked) like the others.
    const missing = users.filter((u) => !rows.some((r) => r.user_id === u && r.size !== null));
    if (missing.length > 0) {
      await db.query(
        `INSERT INTO audit_logs (user_id) SELECT id FROM users WHERE id = ANY($1::uuid[]) ON CONFLICT (user_id) DO NOTHING`,
        [missing],
      );
      ({ rows } = await query());
    }
    if (rows.length < users.length) throw new AuraError('AURA_NOT_FOUND', 'no such account');
    return new Map(
      rows.map((r) => [
        r.user_id,
        {
          size: Number(r.size ?? 0),
          lastHash: r.last_entry_hash,
          root: r.last_root,
          frontier: r.frontier ?? Buffer.alloc(0),
          publicKey: r.audit_public_key,
        },
      ]),
    );
  }

  /**
   * The entries, nodes, checkpoints and receipts of `items` on `heads`, and each head after
   * them. A head read from the database (`checked`) must be consistent with its last checkpoint.
   */
  #compute(items: Item[], heads: Map<string, Tree>, checked: Set<string>): Batch {
    const rows: Batch['rows'] = { entries: [], nodes: [], checkpoints: [] };
    const nodes = new Map<string, Uint8Array>();
    for (const [user, head] of heads) {
      const positions = frontierPositions(head.size);
      if (positions.length * HASH_BYTES !== head.frontier.length) {
        throw new AuraError(
          'AURA_AUDIT_INTEGRITY',
          "the audit log's stored right edge does not fit its size; nothing was signed",
        );
      }
      for (const [k, [level, i]] of positions.entries())
        nodes.set(
          `${user}/${level}/${i}`,
          new Uint8Array(head.frontier.subarray(k * HASH_BYTES, (k + 1) * HASH_BYTES)),
        );
    }
    const ends: Batch['moves'] = new Map();
    const placed: { userId: string; index: number; entry: AuditEntry }[] = [];
    for (const { userId, event } of items) {
      const head = heads.get(userId);
      if (!head) throw new Error('audit log head missing');
      let at = ends.get(userId);
      if (!at) {
        const node: PerfectNode = (level, i) => {
          const hash = nodes.get(`${userId}/${level}/${i}`);
          if (!hash) throw new Error(`audit node ${level}/${i} is missing`);
          return hash;
        };
        at = { ...head, was: head, node };
        ends.set(userId, at);
      }
      const { node } = at;
      const index = at.size;
      const size = index + 1;
      const entry = this.#entry(event, at.publicKey, at.lastHash);
      const leafInput = Buffer.from(canonicalJson(entry));
      // The new leaf and the perfect subtrees it completes, known by position alone.
      const leaf = leafHash(leafInput);
      nodes.set(`${userId}/0/${index}`, leaf);
      rows.nodes.push([userId, 0, index, Buffer.from(leaf)]);
      for (let level = 0, i = index; i % 2 === 1; level++, i = (i - 1) / 2) {
        const parent = nodeHash(node(level, i - 1), node(level, i));
        nodes.set(`${userId}/${level + 1}/${(i - 1) / 2}`, parent);
        rows.nodes.push([userId, level + 1, (i - 1) / 2, Buffer.from(parent)]);
      }
      rows.entries.push([userId, index, entry.entryId, leafInput, entry.eventType, entry.timestamp]);
      placed.push({ userId, index, entry });
      at.size = size;
      at.lastHash = createHash('sha256').update(leafInput).digest();
    }
    // One checkpoint per account and batch, of the tree with all of the batch's entries: every
    // receipt proves its entry in that tree.
    const checkpoints = new Map<string, string>();
    for (const [userId, at] of ends) {
      const root = rangeHash(at.node, 0, at.size);
      // Refuse to sign a checkpoint that does not extend the last one signed. A head this
      // process committed extends what it computed itself.
      if (at.was.size > 0 && checked.has(userId)) {
        const proof = consistencyProof(at.node, at.was.size, at.size);
        if (!at.was.root || !verifyConsistency(at.was.size, at.size, proof, new Uint8Array(at.was.root), root)) {
          throw new AuraError(
            'AURA_AUDIT_INTEGRITY',
            'the audit log is not consistent with its last checkpoint; nothing was signed',
          );
        }
      }
      const checkpoint = this.signer.signCheckpoint(userId, at.size, root);
      checkpoints.set(userId, checkpoint);
      rows.checkpoints.push([userId, at.size, Buffer.from(root), checkpoint]);
      at.root = Buffer.from(root);
      at.frontier = Buffer.concat(frontierPositions(at.size).map(([l, i]) => at.node(l, i)));
    }
    const receipts = placed.map(({ userId, index, entry }): Receipt => {
      const at = ends.get(userId) as Move;
      return {
        index,
        checkpoint: checkpoints.get(userId) as string,
        inclusionProof: inclusionProof(at.node, index, at.size).map(toBase64),
        entry,
      };
    });
    return { rows, receipts, moves: ends };
  }

  /** One statement: the heads that still stand where the batch began move, with their rows. */
  async #commit(db: Db, batch: Batch): Promise<Set<string>> {
    const { rows } = batch;
    const moves = [...batch.moves.entries()];
    const column = (list: unknown[][], k: number) => list.map((r) => r[k]);
    // Named, so each connection parses and plans it once.
    const { rows: moved } = await db.query<{ user_id: string }>({
      name: 'aura-audit-append',
      text: `WITH head AS (
         UPDATE audit_logs a SET size = h.size, last_entry_hash = h.hash, last_root = h.root, frontier = h.frontier
           FROM unnest($1::uuid[], $2::bigint[], $3::bytea[], $4::bytea[], $5::bytea[], $6::bigint[], $7::bytea[], $8::bytea[])
                AS h(user_id, size, hash, root, frontier, was_size, was_root, was_frontier)
          WHERE a.user_id = h.user_id AND a.size = h.was_size AND a.last_root IS NOT DISTINCT FROM h.was_root
            AND a.frontier = h.was_frontier
         RETURNING a.user_id
       ), entry AS (
         INSERT INTO audit_entries (user_id, idx, entry_id, leaf_input, event_type, created_at)
         SELECT u, i, e, l, t, to_timestamp(ms / 1000.0)
           FROM unnest($9::uuid[], $10::bigint[], $11::uuid[], $12::bytea[], $13::text[], $14::float8[]) AS x(u, i, e, l, t, ms)
          WHERE u IN (SELECT user_id FROM head)
       ), nodes AS (
         INSERT INTO audit_nodes (user_id, level, idx, hash)
         SELECT * FROM unnest($15::uuid[], $16::smallint[], $17::bigint[], $18::bytea[]) AS x(u, l, i, h)
          WHERE u IN (SELECT user_id FROM head)
       ), checkpoint AS (
         INSERT INTO audit_checkpoints (user_id, size, root, note)
         SELECT * FROM unnest($19::uuid[], $20::bigint[], $21::bytea[], $22::text[]) AS x(u, s, r, n)
          WHERE u IN (SELECT user_id FROM head)
       )
       SELECT user_id FROM head`,
      values: [
        moves.map(([u]) => u),
        moves.map(([, m]) => m.size),
        moves.map(([, m]) => m.lastHash),
        moves.map(([, m]) => m.root),
        moves.map(([, m]) => m.frontier),
        moves.map(([, m]) => m.was.size),
        moves.map(([, m]) => m.was.root),
        moves.map(([, m]) => m.was.frontier),
        ...[0, 1, 2, 3, 4, 5].map((k) => column(rows.entries, k)),
        ...[0, 1, 2, 3].map((k) => column(rows.nodes, k)),
        ...[0, 1, 2, 3].map((k) => column(rows.checkpoints, k)),
      ],
    });
    return new Set(moved.map((r) => r.user_id));
  }

  #entry(event: AuditEvent, publicKey: Buffer | null, lastHash: Buffer | null): AuditEntry {
    let sealedMetadata = event.sealedMetadata ?? null;
    if (!sealedMetadata && event.sensitive && publicKey) {
      sealedMetadata = toBase64(
        sealTo(new Uint8Array(publicKey), 'audit-metadata', Buffer.from(JSON.stringify(event.sensitive))),
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
    if (from > to) throw new AuraError('AURA_INVALID_INPUT', 'sizes must satisfy 1 <= from <= to');
    // The newest signed size comes with the proof's nodes, in one statement: the proof is answered
    // only if `to` is within the signed log (two statements at once made the slowest proofs slower).
    const proof = await withNodes(
      this.pool,
      userId,
      (node) => consistencyProof(node, from, to),
      (size) => {
        if (size === null) throw new AuraError('AURA_NOT_FOUND', 'this account has no audit entries yet');
        if (to > size) throw new AuraError('AURA_INVALID_INPUT', `sizes must satisfy 1 <= from <= to <= ${size}`);
      },
    );
    return proof.map(toBase64);
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
