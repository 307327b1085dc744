import { AuraError } from '@aura/errors';
import { MAX_DIMS } from './embedding.ts';
import { type Dots, dotsKernel } from './simd.ts';

export interface VectorHit {
  id: string;
  /** Cosine similarity, in [-1, 1]. */
  score: number;
}

/** Bytes before the rows in WebAssembly memory: the query (at most MAX_DIMS floats). */
const QUERY_BYTES = 4096 * 4;
const PAGE = 65536;

/**
 * Exact nearest-neighbour search over unit vectors kept in one block of float32 rows (row-major,
 * one row per record): a query is one pass of dot products, then a top-k kept in a small sorted
 * array. Vectors are normalised on the way in, so the dot product is the cosine. The dot products
 * run in WebAssembly SIMD (simd.ts) when the engine allows it and the dimension is a multiple of
 * 4, else in a JavaScript loop. bench/memory measures both (docs/decisions/0022-memory-by-meaning.md).
 */
export class VectorIndex {
  readonly dims: number;
  #capacity: number;
  #rows: Float32Array;
  #scores: Float32Array;
  #ids: string[] = [];
  readonly #rowOf = new Map<string, number>();
  #memory: WebAssembly.Memory | undefined;
  #dots: Dots | null = null;

  constructor(dims: number, capacity = 64, options: { simd?: boolean } = {}) {
    if (!Number.isInteger(dims) || dims < 1 || dims > MAX_DIMS) {
      throw new AuraError('AURA_INVALID_INPUT', `dims must be an integer from 1 to ${MAX_DIMS}`);
    }
    this.dims = dims;
    this.#capacity = Math.max(1, capacity);
    if (options.simd !== false && dims % 4 === 0 && typeof WebAssembly === 'object') {
      try {
        this.#memory = new WebAssembly.Memory({ initial: Math.ceil(this.#wasmBytes(this.#capacity) / PAGE) });
        this.#dots = dotsKernel(this.#memory);
      } catch {
        this.#dots = null;
      }
      if (!this.#dots) this.#memory = undefined;
    }
    this.#rows = new Float32Array(0);
    this.#scores = new Float32Array(0);
    this.#views(new Float32Array(0));
  }

  /**
   * An index of rows that are unit vectors already (a snapshot of one: VectorIndex.rows), copied
   * in one block rather than added one by one; null when `ids` and `rows` do not fit together.
   */
  static fromUnitRows(
    dims: number,
    ids: readonly string[],
    rows: Float32Array,
    options: { capacity?: number; simd?: boolean } = {},
  ): VectorIndex | null {
    if (rows.length !== ids.length * dims || new Set(ids).size !== ids.length) return null;
    const index = new VectorIndex(dims, Math.max(ids.length, options.capacity ?? 0, 1), options);
    index.#rows.set(rows);
    index.#ids = [...ids];
    for (const [row, id] of ids.entries()) index.#rowOf.set(id, row);
    return index;
  }

  /** Whether the dot products run in WebAssembly SIMD. */
  get simd(): boolean {
    return this.#dots !== null;
  }

  #wasmBytes(capacity: number): number {
    return QUERY_BYTES + capacity * this.dims * 4 + capacity * 4;
  }

  /** (Re)makes the row and score views for the capacity, keeping the rows `old` holds. */
  #views(old: Float32Array): void {
    const floats = this.#capacity * this.dims;
    if (this.#memory) {
      const need = this.#wasmBytes(this.#capacity);
      try {
        if (need > this.#memory.buffer.byteLength) {
          this.#memory.grow(Math.ceil((need - this.#memory.buffer.byteLength) / PAGE));
        }
      } catch {
        // No more WebAssembly memory (4 GiB at most): the rows move to an ordinary array.
        this.#memory = undefined;
        this.#dots = null;
        this.#views(old);
        return;
      }
      const buffer = this.#memory.buffer;
      // memory.grow keeps the bytes, and the rows start at the same offset: nothing to copy (the
      // old views are detached by the grow).
      this.#rows = new Float32Array(buffer, QUERY_BYTES, floats);
      this.#scores = new Float32Array(buffer, QUERY_BYTES + floats * 4, this.#capacity);
      return;
    }
    const rows = new Float32Array(floats);
    rows.set(old.subarray(0, Math.min(old.length, floats)));
    this.#rows = rows;
    this.#scores = new Float32Array(this.#capacity);
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
    const norm = normOf(vector);
    if (!(norm > 0) || !Number.isFinite(norm)) throw new AuraError('AURA_INVALID_INPUT', 'vector has no direction');
    let row = this.#rowOf.get(id);
    if (row === undefined) {
      row = this.#ids.length;
      if (row + 1 > this.#capacity) {
        this.#capacity *= 2;
        this.#views(this.#rows);
      }
      this.#ids.push(id);
      this.#rowOf.set(id, row);
    }
    const offset = row * this.dims;
    for (let i = 0; i < this.dims; i++) this.#rows[offset + i] = (vector[i] ?? 0) / norm;
  }

  /** A copy of the unit vector of `id`, or undefined if it has none here. */
  vector(id: string): Float32Array | undefined {
    const row = this.#rowOf.get(id);
    return row === undefined ? undefined : this.#rows.slice(row * this.dims, (row + 1) * this.dims);
  }

  /** The ids in row order and a copy of their (unit) rows: what a snapshot of the index keeps. */
  rows(): { ids: readonly string[]; rows: Float32Array } {
    return { ids: [...this.#ids], rows: this.#rows.slice(0, this.#ids.length * this.dims) };
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

  /**
   * The cosine of `query` with every row, in row order (a view: valid until the next call). The
   * dot products alone, which bench/memory times against a whole search.
   */
  scoreAll(query: Float32Array): Float32Array {
    if (query.length !== this.dims) {
      throw new AuraError('AURA_INVALID_INPUT', `query has ${query.length} dimensions, the index ${this.dims}`);
    }
    const n = this.#ids.length;
    const norm = normOf(query);
    const scores = this.#scores.subarray(0, n);
    if (!(norm > 0) || !Number.isFinite(norm)) return scores.fill(0);
    const dims = this.dims;
    if (this.#dots && this.#memory) {
      const q = new Float32Array(this.#memory.buffer, 0, dims);
      for (let i = 0; i < dims; i++) q[i] = (query[i] ?? 0) / norm;
      this.#dots(0, QUERY_BYTES, n, dims, QUERY_BYTES + this.#capacity * dims * 4);
      return scores;
    }
    const q = new Float32Array(dims);
    for (let i = 0; i < dims; i++) q[i] = (query[i] ?? 0) / norm;
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
      scores[r] = a + b + c + d;
    }
    return scores;
  }

  /** The k vectors nearest `query` by cosine, best first (a query with no direction finds none). */
  search(query: Float32Array, k = 10): VectorHit[] {
    const n = this.#ids.length;
    const scoresOf = this.scoreAll(query);
    if (!(normOf(query) > 0) || k < 1 || n === 0) return [];
    const top = Math.min(k, n);
    const scores = new Float64Array(top).fill(Number.NEGATIVE_INFINITY);
    const rows = new Int32Array(top).fill(-1);
    for (let r = 0; r < n; r++) {
      const s = scoresOf[r] as number;
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

function normOf(vector: Float32Array): number {
  let norm = 0;
  for (let i = 0; i < vector.length; i++) norm += (vector[i] ?? 0) * (vector[i] ?? 0);
  return Math.sqrt(norm);
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
