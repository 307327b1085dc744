import assert from 'node:assert/strict';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { junk, junkStrings, junkValues, readSharedJson, sharedDataDir } from '@aura/testing';
import fc from 'fast-check';
import { Frontier } from '../src/merkle/frontier.ts';
import { consistencyProof, inclusionProof, leafHash, memoryTree, rangeHash } from '../src/merkle/tree.ts';
import { verifyConsistency, verifyInclusion } from '../src/merkle/verify.ts';
import { type MerkleVectorFile, runMerkleVectors } from './vectors/merkle.ts';

function goldenFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? goldenFiles(path) : name.endsWith('.json') ? [path] : [];
  });
}

const b64 = (s: string | null) => new Uint8Array(Buffer.from(s ?? '', 'base64'));

describe('Merkle tree (RFC 6962 / 9162)', () => {
  it('published vectors: hashes, roots 0..8, proofs generated and verified, 196 accept/reject probes', () => {
    const file = readSharedJson<MerkleVectorFile>('vectors/merkle/rfc6962-vectors.json');
    const report = runMerkleVectors(file);
    assert.deepEqual(report.failures, []);
    assert.equal(file.probes.inclusion.length + file.probes.consistency.length, 196);
    assert.ok(report.total > 196 + 9 + 8);
  });

  it('the transparency-dev golden files themselves, read from disk: every inclusion and consistency case', () => {
    const base = join(sharedDataDir(), 'vectors/merkle/transparency-dev-merkle/testdata');
    let checked = 0;
    for (const path of goldenFiles(join(base, 'inclusion'))) {
      const c = JSON.parse(readFileSync(path, 'utf8'));
      const ok = verifyInclusion(b64(c.leafHash), c.leafIdx, c.treeSize, (c.proof ?? []).map(b64), b64(c.root));
      assert.equal(ok, !c.wantErr, path);
      checked++;
    }
    for (const path of goldenFiles(join(base, 'consistency'))) {
      const c = JSON.parse(readFileSync(path, 'utf8'));
      const ok = verifyConsistency(c.size1, c.size2, (c.proof ?? []).map(b64), b64(c.root1), b64(c.root2));
      assert.equal(ok, !c.wantErr, path);
      checked++;
    }
    assert.equal(checked, 196);
    // subtreeinclusion/ and subtreeconsistency/ test range proofs over [start, end), an
    // extension beyond RFC 9162 that Aura's log does not use: not applicable.
  });

  const trees = fc
    .array(fc.uint8Array({ maxLength: 8 }), { minLength: 1, maxLength: 70 })
    .map((data) => data.map(leafHash));

  // Altered sizes are the vectors' job (treeSize-div/mul, size1/size2 mutations): RFC 9162 paths
  // do not bind the size on their own, so a property cannot demand that every size change fails.
  it('property: every inclusion proof verifies; any altered leaf, proof hash or out-of-range index fails', () => {
    fc.assert(
      fc.property(trees, fc.nat(), fc.nat(), (leaves, i, bit) => {
        const node = memoryTree(leaves);
        const size = leaves.length;
        const index = i % size;
        const root = rangeHash(node, 0, size);
        const proof = inclusionProof(node, index, size);
        const leaf = leaves[index] as Uint8Array;
        assert.ok(verifyInclusion(leaf, index, size, proof, root));
        const flipped = leaf.slice();
        flipped[bit % 32] = (flipped[bit % 32] ?? 0) ^ 1;
        assert.ok(!verifyInclusion(flipped, index, size, proof, root));
        if (proof.length > 0) {
          const bad = proof.map((p) => p.slice());
          const at = bit % bad.length;
          (bad[at] as Uint8Array)[0] = ((bad[at] as Uint8Array)[0] ?? 0) ^ 1;
          assert.ok(!verifyInclusion(leaf, index, size, bad, root));
          assert.ok(!verifyInclusion(leaf, index, size, proof.slice(1), root));
        }
        assert.ok(!verifyInclusion(leaf, size, size, proof, root));
      }),
      { numRuns: 300 },
    );
  });

  it('property: for m <= n, consistency proofs verify; altered roots, proof hashes or impossible sizes fail', () => {
    fc.assert(
      fc.property(trees, fc.nat(), fc.nat(), (leaves, a, bit) => {
        const node = memoryTree(leaves);
        const n = leaves.length;
        const m = (a % n) + 1;
        const proof = consistencyProof(node, m, n);
        const r1 = rangeHash(node, 0, m);
        const r2 = rangeHash(node, 0, n);
        assert.ok(verifyConsistency(m, n, proof, r1, r2));
        const bad1 = r1.slice();
        bad1[bit % 32] = (bad1[bit % 32] ?? 0) ^ 1;
        assert.ok(!verifyConsistency(m, n, proof, bad1, r2));
        assert.ok(!verifyConsistency(m, n, proof, r1, bad1));
        if (proof.length > 0) {
          const bad = proof.map((p) => p.slice());
          (bad[bit % bad.length] as Uint8Array)[0] = ((bad[bit % bad.length] as Uint8Array)[0] ?? 0) ^ 1;
          assert.ok(!verifyConsistency(m, n, bad, r1, r2));
          assert.ok(!verifyConsistency(m, n, proof.slice(0, -1), r1, r2));
        }
        assert.ok(!verifyConsistency(0, n, proof, r1, r2));
        assert.ok(!verifyConsistency(n + 1, n, proof, r1, r2));
      }),
      { numRuns: 300 },
    );
  });
});

describe('Frontier: the right edge of a tree, extended leaf by leaf', () => {
  it('published vectors: the root after each of the 8 leaves (and of none) is the RFC 6962 root', () => {
    const file = readSharedJson('vectors/merkle/rfc6962-vectors.json') as MerkleVectorFile;
    const hex = (s: string) => new Uint8Array(Buffer.from(s, 'hex'));
    const frontier = new Frontier();
    const roots = file.treeVectors.rootsByTreeSize;
    assert.equal(Buffer.from(frontier.root()).toString('hex'), roots['0']);
    file.treeVectors.leafHashes.forEach((leaf, i) => {
      frontier.append(hex(leaf));
      assert.equal(Buffer.from(frontier.root()).toString('hex'), roots[String(i + 1)], `root of size ${i + 1}`);
    });
    assert.equal(Object.keys(roots).length, file.treeVectors.leafHashes.length + 1);
  });

  it('property: the root equals the tree hash at every size; resuming from stored nodes changes nothing', () => {
    fc.assert(
      fc.property(
        fc.array(fc.uint8Array({ minLength: 0, maxLength: 8 }), { maxLength: 70 }),
        fc.nat(),
        (leaves, cut) => {
          const hashes = leaves.map(leafHash);
          const tree = memoryTree(hashes);
          const frontier = new Frontier();
          const at = hashes.length === 0 ? 0 : cut % (hashes.length + 1);
          hashes.forEach((h, i) => {
            if (i === at) {
              const resumed = new Frontier(frontier.size, frontier.nodes);
              assert.deepEqual(resumed.root(), frontier.root());
            }
            frontier.append(h);
            assert.deepEqual(frontier.root(), rangeHash(tree, 0, i + 1));
          });
          assert.equal(frontier.size, hashes.length);
        },
      ),
    );
  });

  it('refuses a stored edge of the wrong shape', () => {
    assert.throws(() => new Frontier(3, [new Uint8Array(32)]), RangeError);
    assert.throws(() => new Frontier(1, [new Uint8Array(31)]), RangeError);
    assert.throws(() => new Frontier(-1, []), RangeError);
    assert.throws(() => new Frontier().append(new Uint8Array(31)), RangeError);
  });
});

describe('signed checkpoints (C2SP tlog-checkpoint)', async () => {
  const { ed25519 } = await import('@noble/curves/ed25519.js');
  const { checkpointBody, formatSignedNote, verifyCheckpoint } = await import('../src/merkle/checkpoint.ts');
  const secret = new Uint8Array(32).fill(3);
  const publicKey = ed25519.getPublicKey(secret);
  const root = leafHash(new Uint8Array([1]));
  const body = checkpointBody('aura.local/audit/u1', 5, root);
  const note = formatSignedNote(body, 'aura-log', publicKey, ed25519.sign(new TextEncoder().encode(body), secret));
  const expected = { origin: 'aura.local/audit/u1', name: 'aura-log', publicKey };

  it('round-trips and has the C2SP shape', () => {
    assert.match(note, /^aura\.local\/audit\/u1\n5\n[A-Za-z0-9+/]{43}=\n\n\u2014 aura-log [A-Za-z0-9+/]{91}=\n$/);
    const cp = verifyCheckpoint(note, expected);
    assert.equal(cp.size, 5);
    assert.deepEqual(cp.root, root);
  });

  it('refuses another origin, key or name, an altered size or root, and garbage', () => {
    const code = (n: string, e = expected) => {
      try {
        verifyCheckpoint(n, e);
        return 'accepted';
      } catch (error) {
        return (error as { code: string }).code;
      }
    };
    assert.equal(code(note, { ...expected, origin: 'aura.local/audit/u2' }), 'AURA_AUDIT_INTEGRITY');
    assert.equal(
      code(note, { ...expected, publicKey: ed25519.getPublicKey(new Uint8Array(32).fill(4)) }),
      'AURA_AUDIT_INTEGRITY',
    );
    assert.equal(code(note, { ...expected, name: 'other' }), 'AURA_AUDIT_INTEGRITY');
    assert.equal(code(note.replace('\n5\n', '\n6\n')), 'AURA_AUDIT_INTEGRITY');
    assert.equal(code(note.replace(/\n([A-Za-z0-9])/, '\nA')), 'AURA_AUDIT_INTEGRITY');
    for (const garbage of [
      '',
      'x',
      '\n\n',
      `${body}\n`,
      `${body}\n\u2014 aura-log AAAA\n`,
      ...junkStrings.map((j) => j.value),
      ...(junkValues.map((j) => j.value) as string[]),
    ])
      assert.equal(code(garbage), 'AURA_AUDIT_INTEGRITY');
    fc.assert(fc.property(junk.string(), (garbage) => code(garbage) === 'AURA_AUDIT_INTEGRITY'));
  });
});

describe('log key rotations: a signed note by the retiring key naming its successor', async () => {
  const { ed25519 } = await import('@noble/curves/ed25519.js');
  const { checkpointBody, formatSignedNote, keyRotationBody, verifyCheckpoint, verifyKeyRotation } = await import(
    '../src/merkle/checkpoint.ts'
  );
  const keyOf = (fill: number) => {
    const secret = new Uint8Array(32).fill(fill);
    return { secret, key: { name: 'aura-log', publicKey: ed25519.getPublicKey(secret) } };
  };
  const sign = (body: string, by: ReturnType<typeof keyOf>) =>
    formatSignedNote(body, by.key.name, by.key.publicKey, ed25519.sign(new TextEncoder().encode(body), by.secret));
  const old = keyOf(5);
  const next = keyOf(6);
  const rotation = sign(keyRotationBody(1, next.key), old);

  it('names the successor when signed by the key it retires, and nothing when signed by another', () => {
    const found = verifyKeyRotation(rotation, old.key);
    assert.equal(found?.sequence, 1);
    assert.deepEqual(found?.next, next.key);
    assert.equal(verifyKeyRotation(rotation, next.key), undefined);
    assert.equal(verifyKeyRotation(rotation, { ...old.key, name: 'other' }), undefined);
    // Altered successor: the signature no longer covers it.
    const swapped = rotation.replace(
      Buffer.from(next.key.publicKey).toString('base64'),
      Buffer.from(keyOf(7).key.publicKey).toString('base64'),
    );
    assert.equal(verifyKeyRotation(swapped, old.key), undefined);
  });

  it('a rotation is never a checkpoint, nor a checkpoint a rotation (domain separation)', () => {
    assert.throws(() => verifyCheckpoint(rotation, { origin: 'aura.log-key-rotation/v1', ...old.key }), {
      code: 'AURA_AUDIT_INTEGRITY',
    });
    const checkpoint = sign(checkpointBody('aura.local/audit/u1', 1, leafHash(new Uint8Array([1]))), old);
    assert.throws(() => verifyKeyRotation(checkpoint, old.key), { code: 'AURA_AUDIT_INTEGRITY' });
  });

  it('property: garbage is refused with AURA_AUDIT_INTEGRITY, never a crash or a successor', () => {
    fc.assert(
      fc.property(junk.string(), (garbage) => {
        try {
          return verifyKeyRotation(garbage, old.key) === undefined;
        } catch (error) {
          return (error as { code: string }).code === 'AURA_AUDIT_INTEGRITY';
        }
      }),
    );
    for (const body of [
      'aura.log-key-rotation/v1\nx\naura-log\nAAAA\n',
      `aura.log-key-rotation/v1\n1\ntwo words\n${Buffer.from(next.key.publicKey).toString('base64')}\n`,
      'aura.log-key-rotation/v1\n1\naura-log\nAAAA\n',
      'aura.log-key-rotation/v1\n1\naura-log\n',
    ])
      assert.throws(() => verifyKeyRotation(sign(body, old), old.key), { code: 'AURA_AUDIT_INTEGRITY' });
  });
});
