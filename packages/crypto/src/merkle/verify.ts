import { constantTimeEqual } from '../bytes.ts';
import { HASH_BYTES, nodeHash } from './tree.ts';

const isHash = (h: unknown): h is Uint8Array => h instanceof Uint8Array && h.length === HASH_BYTES;
const lsb = (n: bigint) => (n & 1n) === 1n;

/**
 * RFC 9162 §2.1.3.2: does `proof` show the leaf with hash `leaf` at `index` in the tree of
 * `size` with root `root`? Any malformed input is simply false (never a throw).
 */
export function verifyInclusion(
  leaf: Uint8Array,
  index: number,
  size: number,
  proof: Uint8Array[],
  root: Uint8Array,
): boolean {
  if (!isHash(leaf) || !isHash(root) || !Array.isArray(proof) || !proof.every(isHash)) return false;
  if (!Number.isSafeInteger(index) || !Number.isSafeInteger(size) || index < 0 || index >= size) return false;
  let fn = BigInt(index);
  let sn = BigInt(size - 1);
  let r = leaf;
  for (const p of proof) {
    if (sn === 0n) return false;
    if (lsb(fn) || fn === sn) {
      r = nodeHash(p, r);
      if (!lsb(fn)) {
        while (!lsb(fn) && fn !== 0n) {
          fn >>= 1n;
          sn >>= 1n;
        }
      }
    } else {
      r = nodeHash(r, p);
    }
    fn >>= 1n;
    sn >>= 1n;
  }
  return sn === 0n && constantTimeEqual(r, root);
}

/**
 * RFC 9162 §2.1.4.2: is the tree of size2 with root2 an append-only extension of the tree of
 * size1 with root1? Size 0 is refused (a proof from the empty tree proves nothing).
 */
export function verifyConsistency(
  size1: number,
  size2: number,
  proof: Uint8Array[],
  root1: Uint8Array,
  root2: Uint8Array,
): boolean {
  if (!Array.isArray(proof) || !proof.every(isHash)) return false;
  if (!Number.isSafeInteger(size1) || !Number.isSafeInteger(size2) || size1 <= 0 || size1 > size2) return false;
  // Equal sizes: the same tree, so the same root and nothing to prove (roots compared as given).
  if (size1 === size2) {
    return (
      proof.length === 0 &&
      root1 instanceof Uint8Array &&
      root2 instanceof Uint8Array &&
      constantTimeEqual(root1, root2)
    );
  }
  if (!isHash(root1) || !isHash(root2)) return false;
  const path = (size1 & (size1 - 1)) === 0 ? [root1, ...proof] : [...proof];
  if (path.length === 0) return false;
  let fn = BigInt(size1 - 1);
  let sn = BigInt(size2 - 1);
  while (lsb(fn)) {
    fn >>= 1n;
    sn >>= 1n;
  }
  let fr = path[0] as Uint8Array;
  let sr = path[0] as Uint8Array;
  for (const c of path.slice(1)) {
    if (sn === 0n) return false;
    if (lsb(fn) || fn === sn) {
      fr = nodeHash(c, fr);
      sr = nodeHash(c, sr);
      if (!lsb(fn)) {
        while (!lsb(fn) && fn !== 0n) {
          fn >>= 1n;
          sn >>= 1n;
        }
      }
    } else {
      sr = nodeHash(sr, c);
    }
    fn >>= 1n;
    sn >>= 1n;
  }
  return sn === 0n && constantTimeEqual(fr, root1) && constantTimeEqual(sr, root2);
}
