import { sha256 } from '@noble/hashes/sha2.js';

/**
 * RFC 9162 §2.1 Merkle tree hashing: leaf = SHA-256(0x00 || data), node = SHA-256(0x01 || l || r),
 * the empty tree is SHA-256(""). Proofs are built from range hashes, which callers supply from
 * whatever stores the tree (an array in memory, perfect subtrees in PostgreSQL).
 */
export const HASH_BYTES = 32;

export function leafHash(data: Uint8Array): Uint8Array {
  const input = new Uint8Array(1 + data.length);
  input.set(data, 1);
  return sha256(input);
}

export function nodeHash(left: Uint8Array, right: Uint8Array): Uint8Array {
  const input = new Uint8Array(1 + left.length + right.length);
  input[0] = 1;
  input.set(left, 1);
  input.set(right, 1 + left.length);
  return sha256(input);
}

export const emptyRoot = (): Uint8Array => sha256(new Uint8Array(0));

/** The largest power of two strictly smaller than n (n >= 2). */
export function splitPoint(n: number): number {
  let k = 1;
  while (k * 2 < n) k *= 2;
  return k;
}

/** The hash of a perfect subtree: 2^level leaves starting at index * 2^level. */
export type PerfectNode = (level: number, index: number) => Uint8Array;

/** MTH(D[start:end]) from perfect subtrees, splitting at the largest power of two as RFC 9162 does. */
export function rangeHash(node: PerfectNode, start: number, end: number): Uint8Array {
  const n = end - start;
  if (n === 0) return emptyRoot();
  if ((n & (n - 1)) === 0 && start % n === 0) return node(Math.log2(n), start / n);
  const k = splitPoint(n);
  return nodeHash(rangeHash(node, start, start + k), rangeHash(node, start + k, end));
}

/** RFC 9162 §2.1.3.1: the audit path of leaf m in the tree of the first `size` leaves. */
export function inclusionProof(node: PerfectNode, index: number, size: number): Uint8Array[] {
  if (!(index >= 0 && index < size)) throw new RangeError(`leaf ${index} is not in a tree of size ${size}`);
  const path = (m: number, start: number, end: number): Uint8Array[] => {
    const n = end - start;
    if (n === 1) return [];
    const k = splitPoint(n);
    return m < k
      ? [...path(m, start, start + k), rangeHash(node, start + k, end)]
      : [...path(m - k, start + k, end), rangeHash(node, start, start + k)];
  };
  return path(index, 0, size);
}

/** RFC 9162 §2.1.4.1: the consistency proof from the tree of size m to the tree of size n. */
export function consistencyProof(node: PerfectNode, m: number, n: number): Uint8Array[] {
  if (!(m > 0 && m <= n)) throw new RangeError(`no consistency proof from size ${m} to size ${n}`);
  const sub = (m1: number, start: number, end: number, whole: boolean): Uint8Array[] => {
    const count = end - start;
    if (m1 === count) return whole ? [] : [rangeHash(node, start, end)];
    const k = splitPoint(count);
    return m1 <= k
      ? [...sub(m1, start, start + k, whole), rangeHash(node, start + k, end)]
      : [...sub(m1 - k, start + k, end, false), rangeHash(node, start, start + k)];
  };
  return sub(m, 0, n, true);
}

/** Perfect-subtree hashes over leaves held in memory (memoised). */
export function memoryTree(leafHashes: Uint8Array[]): PerfectNode {
  const cache = new Map<string, Uint8Array>();
  const node: PerfectNode = (level, index) => {
    if (level === 0) {
      const leaf = leafHashes[index];
      if (!leaf) throw new RangeError(`no leaf ${index}`);
      return leaf;
    }
    const key = `${level}/${index}`;
    let hash = cache.get(key);
    if (!hash) {
      hash = nodeHash(node(level - 1, 2 * index), node(level - 1, 2 * index + 1));
      cache.set(key, hash);
    }
    return hash;
  };
  return node;
}

/**
 * Which perfect nodes a computation reads, without their values: the server asks for them in
 * one query, then runs the computation for real.
 */
export function perfectNodesNeeded(run: (node: PerfectNode) => unknown): [number, number][] {
  const seen = new Map<string, [number, number]>();
  run((level, index) => {
    seen.set(`${level}/${index}`, [level, index]);
    return new Uint8Array(HASH_BYTES);
  });
  return [...seen.values()];
}
