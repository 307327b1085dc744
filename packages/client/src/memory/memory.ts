import { AuraError, isAuraError } from '@aura/errors';
import {
  type CollectionName,
  type ContextData,
  type RecordData,
  searchableText,
  type VaultRecord,
} from '../records.ts';
import type { Progress, PutOptions, Vault } from '../vault.ts';
import type { EmbeddingProvider } from './embedding.ts';
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
  readonly #indexes = new Map<CollectionName, { index: VectorIndex | null; records: Map<string, VaultRecord> }>();
  status: MemoryStatus;

  constructor(
    private readonly vault: Vault,
    readonly provider: EmbeddingProvider | null,
  ) {
    this.status = { model: provider?.model ?? null };
  }

  /** The vector of a text, or null (no provider, or the endpoint is unavailable: noted in status). */
  async embed(text: string): Promise<Float32Array | null> {
    if (!this.provider) return null;
    try {
      const [vector] = await this.provider.embed([text]);
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
    const vector = await this.embed(meaningOf(collection, data));
    const record = await this.vault.put(collection, data, {
      ...options,
      ...(vector && this.provider ? { embedding: { model: this.provider.model, vector } } : {}),
    });
    const cached = this.#indexes.get(collection);
    if (cached) this.#add(cached, record);
    return record;
  }

  #add(cached: { index: VectorIndex | null; records: Map<string, VaultRecord> }, record: VaultRecord): void {
    cached.records.set(record.id, record);
    const embedding = record.embedding;
    if (!embedding || embedding.model !== this.provider?.model) return;
    cached.index ??= new VectorIndex(embedding.vector.length);
    if (embedding.vector.length === cached.index.dims) cached.index.add(record.id, embedding.vector);
  }

  /** The collection's vectors of the current model, decrypted into an index (read once, then kept in step). */
  async #indexOf(collection: CollectionName) {
    let cached = this.#indexes.get(collection);
    if (!cached) {
      cached = { index: null, records: new Map() };
      for (const record of await this.vault.list(collection)) this.#add(cached, record);
      this.#indexes.set(collection, cached);
    }
    return cached;
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
    options: { batch?: number } = {},
  ): Promise<{ reembedded: number; total: number }> {
    const batchSize = options.batch ?? REEMBED_BATCH;
    const provider = this.provider;
    if (!provider) throw new AuraError('AURA_INVALID_INPUT', 'no embedding provider is configured');
    const records = await this.vault.list(collection, { includeExpired: true });
    const stale = records.filter((r) => r.embedding?.model !== provider.model);
    let done = records.length - stale.length;
    onProgress(done, records.length);
    let reembedded = 0;
    for (let i = 0; i < stale.length; i += batchSize) {
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
        onProgress(++done, records.length);
      }
    }
    this.invalidate(collection);
    return { reembedded, total: records.length };
  }

  /** Forgets the decrypted index, so the next search reads the vault again. */
  invalidate(collection?: CollectionName): void {
    if (collection) this.#indexes.delete(collection);
    else this.#indexes.clear();
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
      !types || (collection === 'contexts' && types.has((record.data as ContextData).type ?? ''));

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
    return [...fused]
      .map(([id, score]) => ({
        record: records.get(id) as VaultRecord<C>,
        score,
        confidence: confidence.get(id) ?? 0,
        via: [...(words.has(id) ? ['words' as const] : []), ...(meaning.has(id) ? ['meaning' as const] : [])],
      }))
      .filter((hit) => hit.confidence > minConfidence)
      .sort((a, b) => b.score - a.score || b.confidence - a.confidence)
      .slice(0, limit);
  }
}
