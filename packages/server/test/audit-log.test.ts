import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { after, before, it } from 'node:test';
import {
  leafHash,
  memoryTree,
  rangeHash,
  verifyCheckpoint,
  verifyConsistency,
  verifyInclusion,
} from '@aura/crypto/merkle';
import { isAuraError } from '@aura/errors';
import { startTestServer, type TestServer, TestUser, waitFor } from '@aura/testing';
import { AuditLog } from '../src/audit/log.ts';
import { loadLogSigner } from '../src/audit/signer.ts';

let server: TestServer;
let userId = '';
let log: AuditLog;

before(async () => {
  server = await startTestServer();
  const user = await new TestUser((o) => server.app.inject(o)).register();
  userId = user.userId;
  log = new AuditLog(
    server.pool,
    await loadLogSigner(server.pool, server.config.auditLogName, server.config.auditOrigin),
  );
});
after(() => server?.close());

const b = (s: string) => new Uint8Array(Buffer.from(s, 'base64'));

it('concurrent appends: every index once, no gaps, every receipt provable, every checkpoint consistent', async () => {
  const receipts = await Promise.all(
    Array.from({ length: 40 }, (_, i) =>
      log.append(userId, {
        eventType: 'test',
        actorId: userId,
        actorType: 'system',
        action: `append ${i}`,
        result: 'success',
      }),
    ),
  );
  const indices = receipts.map((r) => r.index).sort((x, y) => x - y);
  const start = indices[0] ?? 0;
  assert.deepEqual(
    indices,
    Array.from({ length: 40 }, (_, i) => start + i),
    'one entry per index, no gaps',
  );
  const { rows } = await server.pool.query(
    'SELECT idx, leaf_input FROM audit_entries WHERE user_id = $1 ORDER BY idx',
    [userId],
  );
  assert.deepEqual(
    rows.map((r) => Number(r.idx)),
    Array.from({ length: rows.length }, (_, i) => i),
  );
  const leaves = rows.map((r) => leafHash(r.leaf_input));
  const node = memoryTree(leaves);
  const checkpoints = (
    await server.pool.query('SELECT size, root FROM audit_checkpoints WHERE user_id = $1 ORDER BY size', [userId])
  ).rows;
  for (const cp of checkpoints)
    assert.deepEqual(new Uint8Array(cp.root), rangeHash(node, 0, Number(cp.size)), `root of ${cp.size}`);
  for (const r of receipts) {
    // The checkpoint of the batch the entry went in: its size is at least the entry's.
    const size = Number(r.checkpoint.split('\n')[1]);
    assert.ok(size > r.index);
    const root = rangeHash(node, 0, size);
    assert.ok(verifyInclusion(leaves[r.index] as Uint8Array, r.index, size, r.inclusionProof.map(b), root));
  }
  const latest = await log.checkpoint(userId);
  const proof = (await log.consistency(userId, 3, latest.size)).map(b);
  assert.ok(verifyConsistency(3, latest.size, proof, rangeHash(node, 0, 3), rangeHash(node, 0, latest.size)));
  // Beyond the signed log, or of a log with nothing signed: refused, not computed.
  await assert.rejects(
    log.consistency(userId, 3, latest.size + 1),
    (e: unknown) => isAuraError(e, 'AURA_INVALID_INPUT') && e.message.includes(`<= ${latest.size}`),
  );
  const empty = (await new TestUser((o) => server.app.inject(o)).register()).userId;
  await server.pool.query('DELETE FROM audit_checkpoints WHERE user_id = $1', [empty]);
  await assert.rejects(log.consistency(empty, 1, 1), (e: unknown) => isAuraError(e, 'AURA_NOT_FOUND'));
});

it('many accounts appending at once (group commit): each log is whole, and its stored edge is what the upgrade computes', async () => {
  const others = await Promise.all(
    Array.from({ length: 5 }, async () => (await new TestUser((o) => server.app.inject(o)).register()).userId),
  );
  const counts = [1, 2, 7, 16, 33];
  const appends = others.flatMap((id, u) =>
    Array.from({ length: counts[u] as number }, (_, i) =>
      log.append(id, { eventType: 'test', actorId: id, actorType: 'system', action: `a${i}`, result: 'success' }),
    ),
  );
  const receipts = await Promise.all(appends);
  // One checkpoint per account and batch: fewer than entries, as the appends were concurrent.
  const signed = await server.pool.query('SELECT count(*)::int AS n FROM audit_checkpoints WHERE user_id = ANY($1)', [
    others,
  ]);
  assert.ok(signed.rows[0].n < appends.length, `${signed.rows[0].n} checkpoints for ${appends.length} entries`);
  for (const [u, id] of others.entries()) {
    const { rows } = await server.pool.query('SELECT leaf_input FROM audit_entries WHERE user_id = $1 ORDER BY idx', [
      id,
    ]);
    const leaves = rows.map((r) => leafHash(r.leaf_input));
    const node = memoryTree(leaves);
    const mine = receipts.filter((r) => r.entry.actorId === id);
    assert.equal(mine.length, counts[u]);
    for (const r of mine) {
      const cp = verifyCheckpoint(r.checkpoint, {
        origin: `${server.config.auditOrigin}/${id}`,
        name: server.config.auditLogName,
        publicKey: (await loadLogSigner(server.pool, server.config.auditLogName, server.config.auditOrigin)).publicKey,
      });
      assert.ok(cp.size > r.index, 'the receipt is for a tree that holds the entry');
      assert.deepEqual(cp.root, rangeHash(node, 0, cp.size));
      assert.ok(verifyInclusion(leaves[r.index] as Uint8Array, r.index, cp.size, r.inclusionProof.map(b), cp.root));
    }
  }
  // Migration 011 computes the edge of logs written before it from audit_nodes: the same bytes.
  const written = await server.pool.query('SELECT user_id, frontier FROM audit_logs ORDER BY user_id');
  const backfill = readFileSync(new URL('../migrations/011_audit_frontier.sql', import.meta.url), 'utf8');
  await server.pool.query("UPDATE audit_logs SET frontier = '\\x'");
  await server.pool.query(backfill.slice(backfill.indexOf('UPDATE audit_logs')));
  assert.deepEqual(
    (await server.pool.query('SELECT user_id, frontier FROM audit_logs ORDER BY user_id')).rows,
    written.rows,
  );
});

it('a batch killed in the middle stores nothing of itself; its appends are written again and the log stays whole', async () => {
  const { userId: victim } = await new TestUser((o) => server.app.inject(o)).register();
  const event = (i: number) =>
    ({ eventType: 'test', actorId: victim, actorType: 'system', action: `crash ${i}`, result: 'success' }) as const;
  const before = (await log.append(victim, event(0))).index + 1;
  // Another session holds the head: the next batch's statement waits on it, mid-write.
  const blocker = await server.pool.connect();
  try {
    await blocker.query('BEGIN');
    await blocker.query('SELECT 1 FROM audit_logs WHERE user_id = $1 FOR UPDATE', [victim]);
    const pending = Array.from({ length: 6 }, (_, i) => log.append(victim, event(i + 1)));
    const writer = await waitFor(async () => {
      const { rows } = await server.pool.query(
        "SELECT pid FROM pg_stat_activity WHERE wait_event_type = 'Lock' AND query LIKE 'WITH head AS%'",
      );
      return rows[0]?.pid as number | undefined;
    });
    // The backend writing the batch dies (as on a crash of PostgreSQL's side of it).
    await server.pool.query('SELECT pg_terminate_backend($1)', [writer]);
    const stored = await server.pool.query('SELECT count(*)::int AS n FROM audit_entries WHERE user_id = $1', [victim]);
    assert.equal(stored.rows[0].n, before, 'nothing of the killed batch was stored');
    await blocker.query('COMMIT');
    const receipts = await Promise.all(pending);
    assert.deepEqual(
      receipts.map((r) => r.index).sort((x, y) => x - y),
      Array.from({ length: 6 }, (_, i) => before + i),
    );
  } finally {
    blocker.release();
  }
  const { rows } = await server.pool.query(
    'SELECT idx, leaf_input FROM audit_entries WHERE user_id = $1 ORDER BY idx',
    [victim],
  );
  const size = before + 6;
  assert.deepEqual(
    rows.map((r) => Number(r.idx)),
    Array.from({ length: size }, (_, i) => i),
  );
  const leaves = rows.map((r) => leafHash(r.leaf_input));
  const node = memoryTree(leaves);
  const head = await server.pool.query('SELECT size, last_root FROM audit_logs WHERE user_id = $1', [victim]);
  assert.equal(Number(head.rows[0].size), size);
  assert.deepEqual(new Uint8Array(head.rows[0].last_root), rangeHash(node, 0, size));
  assert.equal((await log.checkpoint(victim)).size, size);
});

it('the server refuses to sign a checkpoint inconsistent with its last one', async () => {
  // Someone with database access rewrites history: the hash of the oldest, largest subtree,
  // in both places the server keeps it (the nodes, and the head's right edge).
  await server.pool.query(
    `UPDATE audit_nodes SET hash = '\\x00' || substring(hash from 2)
      WHERE user_id = $1 AND idx = 0 AND level = (SELECT max(level) FROM audit_nodes WHERE user_id = $1)`,
    [userId],
  );
  await server.pool.query(`UPDATE audit_logs SET frontier = '\\x00' || substring(frontier from 2) WHERE user_id = $1`, [
    userId,
  ]);
  const size = (await log.checkpoint(userId)).size;
  const append = () =>
    log.append(userId, {
      eventType: 'test',
      actorId: userId,
      actorType: 'system',
      action: 'after tampering',
      result: 'success',
    });
  await assert.rejects(append, /AURA_AUDIT_INTEGRITY|not consistent/);
  assert.equal((await log.checkpoint(userId)).size, size, 'nothing was appended or signed');
  // An edge cut short (or grown) is refused too, before anything is hashed.
  await server.pool.query('UPDATE audit_logs SET frontier = substring(frontier from 33) WHERE user_id = $1', [userId]);
  await assert.rejects(append, /right edge does not fit its size/);
  assert.equal((await log.checkpoint(userId)).size, size, 'nothing was appended or signed');
});
