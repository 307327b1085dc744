import assert from 'node:assert/strict';
import { after, before, it } from 'node:test';
import { leafHash, memoryTree, rangeHash, verifyConsistency, verifyInclusion } from '@aura/crypto/merkle';
import { startTestServer, type TestServer, TestUser } from '@aura/testing';
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
    const size = r.index + 1;
    const root = rangeHash(node, 0, size);
    assert.ok(verifyInclusion(leaves[r.index] as Uint8Array, r.index, size, r.inclusionProof.map(b), root));
  }
  const latest = await log.checkpoint(userId);
  const proof = (await log.consistency(userId, 3, latest.size)).map(b);
  assert.ok(verifyConsistency(3, latest.size, proof, rangeHash(node, 0, 3), rangeHash(node, 0, latest.size)));
});

it('the server refuses to sign a checkpoint inconsistent with its last one', async () => {
  // Someone with database access rewrites history: the stored hash of the oldest, largest subtree.
  await server.pool.query(
    `UPDATE audit_nodes SET hash = '\\x00' || substring(hash from 2)
      WHERE user_id = $1 AND idx = 0 AND level = (SELECT max(level) FROM audit_nodes WHERE user_id = $1)`,
    [userId],
  );
  const size = (await log.checkpoint(userId)).size;
  await assert.rejects(
    () =>
      log.append(userId, {
        eventType: 'test',
        actorId: userId,
        actorType: 'system',
        action: 'after tampering',
        result: 'success',
      }),
    /AURA_AUDIT_INTEGRITY|not consistent/,
  );
  assert.equal((await log.checkpoint(userId)).size, size, 'nothing was appended or signed');
});
