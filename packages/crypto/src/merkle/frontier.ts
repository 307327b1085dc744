import { emptyRoot, HASH_BYTES, nodeHash } from './tree.ts';

/**
 * The right edge of an RFC 9162 tree: the roots of its perfect subtrees, largest first (a
 * "compact range" from 0). With it a client appends leaves and computes the tree's root
 * without anyone's proofs: replaying a log from a size it verified to a newer signed
 * checkpoint checks consistency and inclusion of every leaf in one pass.
 */
export class Frontier {
  #size: number;
  readonly #nodes: Uint8Array[];

  constructor(size = 0, nodes: Uint8Array[] = []) {
    if (!Number.isSafeInteger(size) || size < 0) throw new RangeError('size must be a non-negative integer');
    let bits = 0;
    for (let n = size; n > 0; n = Math.floor(n / 2)) bits += n % 2;
    if (nodes.length !== bits || nodes.some((n) => n.length !== HASH_BYTES)) {
      throw new RangeError(`a tree of ${size} leaves has ${bits} subtree roots of ${HASH_BYTES} bytes`);
    }
    this.#size = size;
    this.#nodes = nodes.map((n) => n.slice());
  }

  get size(): number {
    return this.#size;
  }

  /** The subtree roots, largest first: what to store to resume later. */
  get nodes(): Uint8Array[] {
    return this.#nodes.map((n) => n.slice());
  }

  /** Appends one leaf hash: merges equal-sized subtrees as a binary counter carries. */
  append(leaf: Uint8Array): void {
    if (leaf.length !== HASH_BYTES) throw new RangeError(`a leaf hash has ${HASH_BYTES} bytes`);
    let hash = leaf;
    for (let size = this.#size; size % 2 === 1; size = (size - 1) / 2) {
      hash = nodeHash(this.#nodes.pop() as Uint8Array, hash);
    }
    this.#nodes.push(hash);
    this.#size++;
  }

  /** MTH of the leaves so far: the subtree roots folded from the right (RFC 9162 §2.1.1). */
  root(): Uint8Array {
    if (this.#nodes.length === 0) return emptyRoot();
    let hash = this.#nodes[this.#nodes.length - 1] as Uint8Array;
    for (let i = this.#nodes.length - 2; i >= 0; i--) hash = nodeHash(this.#nodes[i] as Uint8Array, hash);
    return hash;
  }

  clone(): Frontier {
    return new Frontier(this.#size, this.#nodes);
  }
}
