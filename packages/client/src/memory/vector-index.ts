import { AuraError } from '@aura/errors';

export interface VectorHit {
  id: string;
  /** Cosine similarity, in [-1, 1]. */
  score: number;
}

/**
 * Exact nearest-neighbour search over unit vectors kept in one Float32Array (row-major, one row
 * per record): a query is one pass of dot products and a top-k kept in a small sorted array.
 * Vectors are normalised on the way in, so the dot product is the cosine. bench/memory measures
 * where this stays within the target (docs/decisions/0022-memory-by-meaning.md).
 */
export class VectorIndex {
  readonly dims: number;
  #rows: Float32Array;
  #ids: string[] = [];
  readonly #rowOf = new Map<string, number>();

  constructor(dims: number, capacity = 64) {
    if (!Number.isInteger(dims) || dims < 1)
      throw new AuraError('AURA_INVALID_INPUT', 'dims must be a positive integer');
    this.dims = dims;
    this.#rows = new Float32Array(dims * Math.max(1, capacity));
  }

  get size(): number {
    return this.#ids.length;
  }

  has(id: string): boolean {
    return this.#rowOf.has(id);
  }

  /** Adds or replaces the vector of `id`; a vector of another length, or of length zero, is refused. */
  add(id: string, vector: Float32Array): void {
    if (vector.length !== this.dims) {
      throw new AuraError('AURA_INVALID_INPUT', `vector has ${vector.length} dimensions, the index ${this.dims}`);
    }
    let norm = 0;
    for (let i = 0; i < vector.length; i++) norm += (vector[i] ?? 0) * (vector[i] ?? 0);
    norm = Math.sqrt(norm);
    if (!(norm > 0) || !Number.isFinite(norm)) throw new AuraError('AURA_INVALID_INPUT', 'vector has no direction');
    let row = this.#rowOf.get(id);
    if (row === undefined) {
      row = this.#ids.length;
      if ((row + 1) * this.dims > this.#rows.length) {
        const grown = new Float32Array(this.#rows.length * 2);
        grown.set(this.#rows);
        this.#rows = grown;
      }
      this.#ids.push(id);
      this.#rowOf.set(id, row);
    }
    const offset = row * this.dims;
    for (let i = 0; i < this.dims; i++) this.#rows[offset + i] = (vector[i] ?? 0) / norm;
  }

  /** Removes `id` (its row is filled with the last one). */
  remove(id: string): void {
    const row = this.#rowOf.get(id);
    if (row === undefined) return;
    const last = this.#ids.length - 1;
    const lastId = this.#ids[last] as string;
    if (row !== last) {
      this.#rows.copyWithin(row * this.dims, last * this.dims, (last + 1) * this.dims);
      this.#ids[row] = lastId;
      this.#rowOf.set(lastId, row);
    }
    this.#ids.pop();
    this.#rowOf.delete(id);
  }

  /** The k vectors nearest `query` by cosine, best first. */
  search(query: Float32Array, k = 10): VectorHit[] {
    if (query.length !== this.dims) {
      throw new AuraError('AURA_INVALID_INPUT', `query has ${query.length} dimensions, the index ${this.dims}`);
    }
    let norm = 0;
    for (let i = 0; i < query.length; i++) norm += (query[i] ?? 0) * (query[i] ?? 0);
    norm = Math.sqrt(norm);
    const n = this.#ids.length;
    if (!(norm > 0) || k < 1 || n === 0) return [];
    const q = new Float32Array(this.dims);
    for (let i = 0; i < this.dims; i++) q[i] = (query[i] ?? 0) / norm;
    const top = Math.min(k, n);
    const scores = new Float64Array(top).fill(Number.NEGATIVE_INFINITY);
    const rows = new Int32Array(top).fill(-1);
    const dims = this.dims;
    const data = this.#rows;
    // Four sums at once: the additions of one row do not wait on each other (about 1.3x here).
    const whole = dims - (dims % 4);
    for (let r = 0, offset = 0; r < n; r++, offset += dims) {
      let a = 0;
      let b = 0;
      let c = 0;
      let d = 0;
      for (let i = 0; i < whole; i += 4) {
        const k = offset + i;
        a += (q[i] as number) * (data[k] as number);
        b += (q[i + 1] as number) * (data[k + 1] as number);
        c += (q[i + 2] as number) * (data[k + 2] as number);
        d += (q[i + 3] as number) * (data[k + 3] as number);
      }
      for (let i = whole; i < dims; i++) a += (q[i] as number) * (data[offset + i] as number);
      const s = a + b + c + d;
      if (s <= (scores[top - 1] as number)) continue;
      let j = top - 1;
      while (j > 0 && (scores[j - 1] as number) < s) {
        scores[j] = scores[j - 1] as number;
        rows[j] = rows[j - 1] as number;
        j--;
      }
      scores[j] = s;
      rows[j] = r;
    }
    const hits: VectorHit[] = [];
    for (let j = 0; j < top; j++) {
      const row = rows[j] as number;
      if (row >= 0) hits.push({ id: this.#ids[row] as string, score: Math.min(1, scores[j] as number) });
    }
    return hits;
  }

  /** Bytes the vectors take (the capacity allocated, not only the rows in use). */
  get bytes(): number {
    return this.#rows.byteLength;
  }
}

/**
 * Reciprocal rank fusion (Cormack, Clarke and Büttcher 2009): each list adds 1 / (k + rank) to
 * the ids it holds, rank counted from 1; ids seen in several lists rise. k = 60 as in the paper.
 */
export function reciprocalRankFusion(lists: readonly (readonly string[])[], k = 60): Map<string, number> {
  const fused = new Map<string, number>();
  for (const list of lists) {
    for (const [rank, id] of list.entries()) fused.set(id, (fused.get(id) ?? 0) + 1 / (k + rank + 1));
  }
  return fused;
}
