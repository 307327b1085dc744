import { createHash } from 'node:crypto';
import { leafHash, memoryTree, rangeHash } from '@aura/crypto/merkle';
import { canonicalJson } from '@aura/protocol';
import type { FastifyInstance } from 'fastify';
import { toBase64 } from '../../base64.ts';
import { allLeaves } from './repository.ts';

/**
 * The spec's verify_integrity(start, end), run by the server over its own rows. A client must
 * not rely on it (the server grades itself); clients verify proofs themselves.
 */
export async function integrityReport(app: FastifyInstance, userId: string, start: number, requestedEnd?: number) {
  const { size } = await app.audit.checkpoint(userId).catch(() => ({ size: 0 }));
  const rows = await allLeaves(app.pool, userId);
  const issues: { type: string; entryId: string | null; detail: string }[] = [];
  let previous = '';
  const end = Math.min(requestedEnd ?? size, size);
  rows.forEach((row, i) => {
    const text = row.leaf_input.toString('utf8');
    const entry = JSON.parse(text);
    if (Number(row.idx) !== i)
      issues.push({ type: 'gap', entryId: entry.entryId, detail: `index ${row.idx} at position ${i}` });
    if (canonicalJson(entry) !== text) {
      issues.push({ type: 'tampered_entry', entryId: entry.entryId, detail: 'not in canonical form' });
    }
    if (entry.previousHash !== previous)
      issues.push({ type: 'broken_chain', entryId: entry.entryId, detail: `expected ${previous}` });
    previous = createHash('sha256').update(row.leaf_input).digest('hex');
  });
  const root = rangeHash(memoryTree(rows.map((r) => leafHash(r.leaf_input))), 0, rows.length);
  if (rows.length !== size)
    issues.push({ type: 'size_mismatch', entryId: null, detail: `${rows.length} entries, checkpoint says ${size}` });
  return {
    valid: issues.length === 0,
    issues,
    entriesChecked: Math.max(0, end - start),
    merkleRoot: toBase64(root),
    treeSize: size,
  };
}
