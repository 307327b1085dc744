import { AuraError, isAuraError } from '@aura/errors';
import {
  type CollectionName,
  type ContextData,
  type RecordData,
  searchableText,
  type VaultRecord,
} from '../records.ts';
import type { Progress, PutOptions, Vault } from '../vault.ts';
import type { Embedding, EmbeddingProvider } from './embedding.ts';
import {
  decodeSnapshot,
  encodeSnapshot,
  type IndexCache,
  type IndexSnapshot,
  type SnapshotEntry,
} from './index-cache.ts';
import { reciprocalRankFusion, VectorIndex } from './vector-index.ts';

/** The spec's threshold: a hit of confidence 0.3 or less is not shown. */
export const MIN_CONFIDENCE = 0.3;
/** How many nearest vectors take part in the fusion. */
const VECTOR_CANDIDATES = 50;
/** Texts per call to the provider when re-embedding. */
const REEMBED_BATCH = 32;

export interface MemorySearchOptions {
  limit?: number;
  /** Only contexts of these types (the spec's context_types). */
  types?: readonly string[];
  /** Hits of this confidence or less are left out (default 0.3). */
  minConfidence?: number;
  /**
   * false: by meaning only, so the server gets no blind tokens of the query (a request to the
   * assistant is not a search the user typed, and its words were never sent before).
   */
  words?: boolean;
}

export interface MemoryOptions {
  /** Where the decrypted index is kept, sealed, between runs (see the constructor). */
  cache?: IndexCache;
  /**
   * The records this memory is of (default: all): others are never found, embedded or counted
   * (an app's own records among the contexts, such as the dashboard's settings).
   */
  where?: (record: VaultRecord) => boolean;
}

export interface MemoryHit<C extends CollectionName = CollectionName> {
  record: VaultRecord<C>;
  /** The fused rank score (reciprocal rank fusion of the two lists). */
  score: number;
  /** 1 for a record that holds every word searched for, else the cosine of its vector to the query's. */
  confidence: number;
  /** Which lists found it. */
  via: ('words' | 'meaning')[];
}

export interface MemoryStatus {
  /** The model of the vectors searched. */
  model: string | null;
  /** Why the query has no vector, when it has none (no provider, or the endpoint failed). */
  unavailable?: string;
}

/** The text a record's vector is made of: a context's words without its type label (the filter's business). */
export function meaningOf<C extends CollectionName>(collection: C, data: RecordData[C]): string {
  return collection === 'contexts' ? (data as ContextData).text : searchableText(collection, data);
}

/**
 * Hybrid retrieval over the vault: the blind index's keyword hits and the nearest vectors of the
 * provider's model, fused by reciprocal rank. Vectors are decrypted into an in-memory index on this
 * device (ARCHITECTURE.md §4); the server sees the keyword tokens, as before, and nothing of the
 * query's meaning. Without a provider, or when the endpoint fails, words alone find.
 */
export class Memory {
  readonly #indexes = new Map<CollectionName, Indexed>();
  /** Indexes changed since they were last saved to the cache. */
  readonly #unsaved = new Set<CollectionName>();
  readonly #cache: IndexCache | undefined;
  #last: { text: string; vector: Float32Array } | undefined;
  readonly #where: (record: VaultRecord) => boolean;
  status: MemoryStatus;

  /**
   * With `cache`, the decrypted index is kept sealed on this device between runs: a later run
   * lists the records as always (each is checked against the signed history) but opens only the
   * vectors the cache does not hold for exactly that record version. `flush()` saves it.
   */
  constructor(
    private readonly vault: Vault,
    readonly provider: EmbeddingProvider | null,
    options: MemoryOptions = {},
  ) {
    this.status = { model: provider?.model ?? null };
    this.#cache = options.cache;
    this.#where = options.where ?? (() => true);
  }

  /** The vector of a text, or null (no provider, or the endpoint is unavailable: noted in status). */
  async embed(text: string): Promise<Float32Array | null> {
    if (!this.provider) return null;
    // A request is retrieved for, then recorded as a learning event: one call to the provider.
    if (this.#last?.text === text) return this.#last.vector;
    try {
      const [vector] = await this.provider.embed([text]);
      this.#last = vector ? { text, vector } : undefined;
      // The endpoint answers again: what a failure said is over.
      if (vector) this.status = { model: this.provider.model };
      return vector ?? null;
    } catch (error) {
      if (!isAuraError(error, 'AURA_PROVIDER_UNAVAILABLE')) throw error;
      this.status = { model: this.provider.model, unavailable: error.message };
      return null;
    }
  }

  /** Stores a record with its vector (without one when no provider answers: words still find it). */
  async remember<C extends CollectionName>(
    collection: C,
    data: RecordData[C],
    options: Omit<PutOptions, 'embedding'> = {},
  ): Promise<VaultRecord<C>> {
    const record = await this.vault.put(collection, data, { ...options, ...(await this.#vectorOf(collection, data)) });
    this.#replace(collection, record.id, record);
    return record;
  }

  /** The vault's `embedding` option for a record of `data`: none when no provider answers. */
  async #vectorOf<C extends CollectionName>(collection: C, data: RecordData[C]): Promise<{ embedding?: Embedding }> {
    const vector = await this.embed(meaningOf(collection, data));
    return vector && this.provider ? { embedding: { model: this.provider.model, vector } } : {};
  }

  /** Updates a record with the vector of its new text (a vault update without one drops the old vector). */
  async revise<C extends CollectionName>(
    collection: C,
    record: VaultRecord<C>,
    data: RecordData[C],
  ): Promise<VaultRecord<C>> {
    const updated = await this.vault.update(collection, record, data, await this.#vectorOf(collection, data));
    this.#replace(collection, record.id, updated);
    return updated;
  }

  /** Deletes a record (a signed deletion) and takes it out of the index. */
  async forget(collection: CollectionName, id: string): Promise<void> {
    await this.vault.delete(collection, id);
    this.#replace(collection, id, null);
  }

  /** Keeps an index already read in step with a write: `id` leaves it, and `record` (if any) comes in. */
  #replace(collection: CollectionName, id: string, record: VaultRecord | null): void {
    const cached = this.#indexes.get(collection);
    if (!cached) return;
    cached.index?.remove(id);
    cached.records.delete(id);
    cached.known.delete(id);
    if (record) this.#add(cached, record, record.embedding);
    this.#unsaved.add(collection);
  }

  #add(cached: Indexed, record: VaultRecord, embedding: VaultRecord['embedding']): void {
    if (!this.#where(record)) return;
    cached.records.set(record.id, record);
    if (!embedding || record.embeddingHash === undefined) return;
    // Its row is the index's business: a snapshot reads it from there (#snapshotOf).
    cached.known.set(record.id, { id: record.id, version: record.version, hash: record.embeddingHash, row: -1 });
    if (embedding.model !== this.provider?.model) return;
    // Sized for every record read: growing by doubling copies the rows each time.
    cached.index ??= new VectorIndex(embedding.vector.length, Math.max(64, cached.expected));
    if (embedding.vector.length === cached.index.dims) cached.index.add(record.id, embedding.vector);
  }

  /**
   * The collection's vectors of the current model, decrypted into an index (read once, then kept
   * in step; refresh reads the vault again).
   */
  async #indexOf(collection: CollectionName): Promise<Indexed> {
    const ready = this.#indexes.get(collection);
    if (ready) return ready;
    return this.#build(collection, this.#cache ? await this.#load(collection) : null, this.#cache !== undefined);
  }

  /**
   * Reads the collection's records (each checked against the signed history) into a new index. A
   * vector `known` holds for the same record version (the same sealed vector, by its hash, which
   * the signed history commits to) is taken from it; only the others are opened.
   */
  async #build(collection: CollectionName, snapshot: IndexSnapshot | null, cached: boolean): Promise<Indexed> {
    const records = await this.vault.list(collection, { vectors: snapshot === null && !cached });
    const indexed: Indexed = { index: null, records: new Map(), known: new Map(), expected: records.length };
    // The known rows in one copy; the records decide below which of them stay. A snapshot whose
    // rows do not add up (none that this class writes) is not used. One with no rows says nothing
    // of the dimension: the first vector added decides it.
    let known = snapshot;
    if (known) {
      const ids = rowIds(known);
      if (ids && ids.length > 0)
        indexed.index = VectorIndex.fromUnitRows(known.dims, ids, known.rows, { capacity: records.length });
      if (!ids || (ids.length > 0 && !indexed.index)) known = null;
    }
    const rowOf = new Map(known?.entries.map((e) => [e.id, e]));
    let changed = known === null && cached;
    for (const record of records) {
      const entry = rowOf.get(record.id);
      rowOf.delete(record.id);
      // The same record version with the same sealed vector: its row (if any) is the snapshot's.
      if (entry && entry.version === record.version && entry.hash === record.embeddingHash && this.#where(record)) {
        indexed.records.set(record.id, record);
        indexed.known.set(record.id, entry);
        continue;
      }
      // Changed since, or no longer ours: its old row goes.
      indexed.index?.remove(record.id);
      if (!this.#where(record)) continue;
      if (record.embeddingHash !== undefined) changed = true;
      this.#add(indexed, record, await this.vault.embeddingOf(record));
    }
    // Deleted since.
    for (const id of rowOf.keys()) indexed.index?.remove(id);
    if (rowOf.size > 0) changed = true;
    this.#indexes.set(collection, indexed);
    if (changed && cached) this.#unsaved.add(collection);
    return indexed;
  }

  /**
   * Reads the vault again for what other devices wrote since the index was read: new and changed
   * records' vectors are opened, deleted ones leave. A long-running process (the agent, the
   * dashboard) calls it before it retrieves.
   */
  async refresh(collection: CollectionName): Promise<void> {
    const previous = this.#indexes.get(collection);
    if (!previous) return;
    const model = this.provider?.model;
    await this.#build(collection, model ? this.#snapshotOf(previous, model) : null, this.#cache !== undefined);
  }

  /** What a snapshot of an index holds: its rows, and every vector it has seen (of any model). */
  #snapshotOf(indexed: Indexed, model: string): IndexSnapshot {
    const { ids, rows } = indexed.index?.rows() ?? { ids: [], rows: new Float32Array(0) };
    const rowOf = new Map(ids.map((id, row) => [id, row]));
    const entries = [...indexed.known.values()].map((e) => ({ ...e, row: rowOf.get(e.id) ?? -1 }));
    return { model, dims: indexed.index?.dims ?? 1, entries, rows };
  }

  /** The cache's name for a collection's index: per account, collection and model. */
  #cacheName(collection: CollectionName): string {
    return `memory-index/${this.vault.userId}/${collection}/${this.provider?.model ?? ''}`;
  }

  async #load(collection: CollectionName): Promise<IndexSnapshot | null> {
    const name = this.#cacheName(collection);
    const sealed = await this.#cache?.load(name);
    if (!sealed) return null;
    try {
      const snapshot = decodeSnapshot(this.vault.openLocal(name, sealed));
      return snapshot && snapshot.model === this.provider?.model ? snapshot : null;
    } catch (error) {
      // Sealed under another account key (rotated, or another account's): rebuilt from the vault.
      if (isAuraError(error, 'AURA_CRYPTO_DECRYPT_FAILED')) return null;
      throw error;
    }
  }

  /** Saves the indexes that changed since they were read or saved (the CLI calls it as a command ends). */
  async flush(): Promise<void> {
    const cache = this.#cache;
    const model = this.provider?.model;
    if (!cache || !model) return;
    for (const collection of [...this.#unsaved]) {
      this.#unsaved.delete(collection);
      const indexed = this.#indexes.get(collection);
      if (!indexed) continue;
      const name = this.#cacheName(collection);
      await cache.save(name, this.vault.sealLocal(name, encodeSnapshot(this.#snapshotOf(indexed, model))));
    }
  }

  /**
   * Gives every record of the collection a vector of the provider's model: after a change of
   * model, or for records written while the endpoint was down. Resumable: a record already
   * re-embedded is skipped by the next run, so an interrupted run is simply run again. A record
   * someone changed meanwhile is read again (AURA_CONFLICT), like a key rotation's.
   */
  async reembed(
    collection: CollectionName,
    onProgress: Progress = () => {},
    options: { batch?: number; signal?: AbortSignal } = {},
  ): Promise<{ reembedded: number; total: number }> {
    const batchSize = options.batch ?? REEMBED_BATCH;
    const provider = this.provider;
    if (!provider) throw new AuraError('AURA_INVALID_INPUT', 'no embedding provider is configured');
    const records = await this.vault.list(collection, { includeExpired: true });
    const ours = records.filter(this.#where);
    const stale = ours.filter((r) => r.embedding?.model !== provider.model);
    let done = ours.length - stale.length;
    onProgress(done, ours.length);
    let reembedded = 0;
    for (let i = 0; i < stale.length; i += batchSize) {
      // Stopped between batches (the agent is shutting down): what is done stays done.
      if (options.signal?.aborted) break;
      const batch = stale.slice(i, i + batchSize);
      const vectors = await provider.embed(batch.map((r) => meaningOf(collection, r.data)));
      for (const [j, record] of batch.entries()) {
        const vector = vectors[j];
        if (!vector) throw new AuraError('AURA_PROVIDER_UNAVAILABLE', 'the provider answered fewer vectors than texts');
        for (let attempt = 0; ; attempt++) {
          try {
            const fresh = attempt === 0 ? record : await this.vault.get(collection, record.id);
            if (fresh.embedding?.model === provider.model) break;
            // Its text changed meanwhile: the batch's vector was of the old one.
            const text = meaningOf(collection, fresh.data);
            const [current] = text === meaningOf(collection, record.data) ? [vector] : await provider.embed([text]);
            if (!current) throw new AuraError('AURA_PROVIDER_UNAVAILABLE', 'the provider answered no vector');
            await this.vault.update(collection, fresh, fresh.data, {
              embedding: { model: provider.model, vector: current },
            });
            reembedded++;
            break;
          } catch (error) {
            if (!isAuraError(error, 'AURA_CONFLICT') || attempt > 3) throw error;
          }
        }
        onProgress(++done, ours.length);
      }
    }
    this.invalidate(collection);
    return { reembedded, total: ours.length };
  }

  /** Forgets the decrypted index, so the next search reads the vault again. */
  invalidate(collection?: CollectionName): void {
    if (collection) this.#indexes.delete(collection);
    else this.#indexes.clear();
  }

  /** How many records of the collection have no vector of the provider's model (re-embedding would give them one). */
  async stale(collection: CollectionName): Promise<{ stale: number; total: number }> {
    const cached = await this.#indexOf(collection);
    return { stale: cached.records.size - (cached.index?.size ?? 0), total: cached.records.size };
  }

  async search<C extends CollectionName>(
    collection: C,
    query: string,
    options: MemorySearchOptions = {},
  ): Promise<MemoryHit<C>[]> {
    const limit = options.limit ?? 10;
    const minConfidence = options.minConfidence ?? MIN_CONFIDENCE;
    if (!Number.isInteger(limit) || limit < 1) throw new AuraError('AURA_INVALID_INPUT', 'limit must be at least 1');
    const types = options.types && options.types.length > 0 ? new Set(options.types) : null;
    const wanted = (record: VaultRecord) =>
      this.#where(record) &&
      (!types || (collection === 'contexts' && types.has((record.data as ContextData).type ?? '')));

    const byWords = options.words === false ? [] : (await this.vault.search(collection, query)).filter(wanted);
    const confidence = new Map<string, number>(byWords.map((r) => [r.id, 1]));
    const records = new Map<string, VaultRecord>(byWords.map((r) => [r.id, r]));
    let byMeaning: string[] = [];
    const vector = await this.embed(query);
    if (vector) {
      const cached = await this.#indexOf(collection);
      if (cached.index && cached.index.dims === vector.length) {
        // More candidates than asked for: the type filter and the threshold come after.
        const k = types ? cached.index.size : VECTOR_CANDIDATES;
        for (const hit of cached.index.search(vector, k)) {
          const record = cached.records.get(hit.id);
          if (!record || !wanted(record) || hit.score <= minConfidence) continue;
          byMeaning.push(hit.id);
          records.set(hit.id, record);
          confidence.set(hit.id, Math.max(confidence.get(hit.id) ?? 0, hit.score));
        }
        byMeaning = byMeaning.slice(0, VECTOR_CANDIDATES);
      }
    }
    const words = new Set(byWords.map((r) => r.id));
    const meaning = new Set(byMeaning);
    const fused = reciprocalRankFusion([byWords.map((r) => r.id), byMeaning]);
    const withVector = (record: VaultRecord): VaultRecord => {
      // A record the cached index knows was listed with its vector sealed: it gets the unit vector
      // the index holds (the same direction), not a second opening.
      const vector =
        record.embedding || !this.provider ? undefined : this.#indexes.get(collection)?.index?.vector(record.id);
      return vector && this.provider ? { ...record, embedding: { model: this.provider.model, vector } } : record;
    };
    return [...fused]
      .map(([id, score]) => ({
        record: withVector(records.get(id) as VaultRecord) as VaultRecord<C>,
        score,
        confidence: confidence.get(id) ?? 0,
        via: [...(words.has(id) ? ['words' as const] : []), ...(meaning.has(id) ? ['meaning' as const] : [])],
      }))
      .filter((hit) => hit.confidence > minConfidence)
      .sort((a, b) => b.score - a.score || b.confidence - a.confidence)
      .slice(0, limit);
  }
}

/** A collection as this Memory holds it: the records, their index, and every vector it has seen. */
interface Indexed {
  index: VectorIndex | null;
  records: Map<string, VaultRecord>;
  /** Each record with a vector, of any model: what a snapshot records, so none is opened twice. */
  known: Map<string, SnapshotEntry>;
  /** How many records were read: the index's first capacity. */
  expected: number;
}

/** The ids of a snapshot's rows, in row order; null unless its entries name every row once. */
function rowIds(snapshot: IndexSnapshot): string[] | null {
  const rows = snapshot.rows.length / snapshot.dims;
  const ids = new Array<string>(rows);
  let named = 0;
  for (const e of snapshot.entries) {
    if (e.row < 0) continue;
    if (e.row >= rows || ids[e.row] !== undefined) return null;
    ids[e.row] = e.id;
    named++;
  }
  return named === rows ? ids : null;
}
