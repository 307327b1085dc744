import { builtinEmbeddings, openAiEmbeddings } from '@aura/assistant';
import {
  type CollectionName,
  type ContextData,
  type EmbeddingProvider,
  type IndexCache,
  Memory,
  type RecordData,
  Reembedder,
  type Vault,
  type VaultRecord,
  VectorIndex,
} from '@aura/client';
import { AuraError, isAuraError } from '@aura/errors';
import type { MeaningSetting, MemoryView, SearchResult } from '../shared/types.ts';

/** The collections given vectors (the reasoning engine records decisions with theirs), in the words of the progress. */
const WHAT = { contexts: 'notes', relationships: 'people', 'learning-events': 'past requests' } as const;
type Searched = 'contexts' | 'relationships';
/** How often a finished pass looks again for records without a vector (another device's, say). */
const PASS_MS = 10 * 60_000;

const invalid = (message: string) => new AuraError('AURA_INVALID_INPUT', message);

/** The setting as it may be saved: an http(s) endpoint other than this server, and a model name. */
export function checkMeaning(setting: MeaningSetting, dashboard: string): MeaningSetting {
  if (setting.kind === 'off' || setting.kind === 'builtin') return { kind: setting.kind };
  if (setting.kind !== 'endpoint') throw invalid('search by meaning is off, builtin or an endpoint');
  const url = setting.url.trim();
  let parsed: URL | undefined;
  try {
    parsed = new URL(url);
  } catch {
    parsed = undefined;
  }
  if (!parsed || (parsed.protocol !== 'http:' && parsed.protocol !== 'https:'))
    throw invalid(
      `the embeddings endpoint must be an http:// or https:// address, such as http://127.0.0.1:11434/v1; "${url}" is not one`,
    );
  if (parsed.origin === new URL(dashboard).origin)
    throw invalid(
      'the embeddings endpoint must not be the Aura server: it would see your notes’ texts and vectors, which it must never see',
    );
  const model = setting.model.trim();
  if (!model) throw invalid('name the embedding model the endpoint serves, such as nomic-embed-text');
  return { kind: 'endpoint', url, model, apiKey: setting.apiKey.trim() };
}

let policy: Promise<string[] | null> | undefined;

/** The origins the page's policy lets it connect to (its connect-src), or null when it sets none. */
function connectSources(): Promise<string[] | null> {
  policy ??= fetch(new URL('/', self.location.origin), { cache: 'no-store' }).then(
    (res) => {
      const header = res.headers.get('content-security-policy');
      if (!header) return null;
      const directive = header
        .split(';')
        .map((d) => d.trim().split(/\s+/))
        .find(([name]) => name === 'connect-src');
      return directive ? directive.slice(1) : null;
    },
    () => null,
  );
  return policy;
}

/**
 * A browser's fetch fails alike for a policy that forbids the address, an endpoint that is down
 * and one that refuses cross-origin requests: the first is told apart by reading the policy, so
 * the message says what to do (the operator, or the endpoint's owner).
 */
async function explain(error: unknown, url: string): Promise<unknown> {
  // A fetch the browser refused is a TypeError; an HTTP status or a timeout says enough itself.
  if (!isAuraError(error, 'AURA_PROVIDER_UNAVAILABLE') || !(error.cause instanceof TypeError)) return error;
  const { origin, protocol } = new URL(url);
  const sources = await connectSources();
  // Exactly as AURA_WEB_CONNECT_ORIGINS writes it; a wider source (a policy rewritten by a proxy)
  // allows it too.
  const allows = (s: string) =>
    s === '*' || s === protocol || s.replace(/\/$/, '').toLowerCase() === origin.toLowerCase();
  if (sources && !sources.some(allows))
    return new AuraError(
      'AURA_PROVIDER_UNAVAILABLE',
      `the Aura server's security policy does not let the dashboard connect to ${origin}: the operator adds it with AURA_WEB_CONNECT_ORIGINS=${origin} and restarts the server`,
      { cause: error },
    );
  return new AuraError(
    'AURA_PROVIDER_UNAVAILABLE',
    `${origin} did not answer this browser: it is down or unreachable from here, or it refuses cross-origin requests (CORS): it must allow the origin ${self.location.origin}, such as OLLAMA_ORIGINS=${self.location.origin} for Ollama`,
    { cause: error },
  );
}

/** The provider of a setting; its failures explained, and ended once `live()` is false. */
export function providerOf(setting: MeaningSetting, live: () => boolean = () => true): EmbeddingProvider | null {
  if (setting.kind === 'off') return null;
  if (setting.kind === 'builtin') return builtinEmbeddings();
  const inner = openAiEmbeddings({
    baseUrl: setting.url,
    model: setting.model,
    ...(setting.apiKey ? { apiKey: setting.apiKey } : {}),
    timeoutMs: 20_000,
    retries: 1,
  });
  return {
    model: inner.model,
    async embed(texts) {
      if (!live()) throw new AuraError('AURA_CONFLICT', 'the search setting changed meanwhile');
      try {
        return await inner.embed(texts);
      } catch (error) {
        throw await explain(error, setting.url);
      }
    },
  };
}

/** Whether this engine, under this page's policy, compiles the index's SIMD kernel. */
const simd = (() => {
  try {
    return new VectorIndex(4).simd;
  } catch {
    return false;
  }
})();

/**
 * The dashboard's search: Memory over the vault with the provider of the sealed setting, and the
 * re-embedding that a change of model needs, run in the background and resumable (a record done
 * is skipped by the next run: after sign-in, or when the setting changes).
 */
export class DashboardMemory {
  #memory: Memory | undefined;
  #key: string | undefined;
  #generation = 0;
  #reembedder: Reembedder | undefined;
  #view: MemoryView = { model: null, simd, reembed: { state: 'idle' } };
  readonly #listeners = new Set<(view: MemoryView) => void>();

  /**
   * `cache`: where the decrypted index is kept, sealed, between visits (IndexedDB); `hidden`: the
   * dashboard's own records among the contexts, never a hit.
   */
  constructor(
    private readonly cache: IndexCache | undefined,
    private readonly hidden: (data: ContextData) => boolean,
  ) {}

  get view(): MemoryView {
    return this.#view;
  }

  watch(listener: (view: MemoryView) => void): void {
    this.#listeners.add(listener);
    listener(this.#view);
  }

  #set(view: MemoryView): void {
    this.#view = view;
    for (const listener of this.#listeners) {
      try {
        listener(view);
      } catch {
        // A page that went away: its listener is dropped.
        this.#listeners.delete(listener);
      }
    }
  }

  /** Uses this setting from now on; a new model re-embeds in the background. */
  use(vault: Vault, setting: MeaningSetting): Memory {
    const key = JSON.stringify(setting);
    if (this.#memory && key === this.#key) return this.#memory;
    const generation = ++this.#generation;
    const provider = providerOf(setting, () => generation === this.#generation);
    // The dashboard's own records (settings, conversations) are never embedded, counted or found.
    const where = (r: VaultRecord) => r.collection !== 'contexts' || !this.hidden(r.data as ContextData);
    const memory = new Memory(vault, provider, { ...(this.cache ? { cache: this.cache } : {}), where });
    this.#memory = memory;
    this.#key = key;
    this.#set({ model: provider?.model ?? null, simd, reembed: { state: 'idle' } });
    void this.#reembedder?.stop();
    this.#reembedder = provider ? this.#reembed(memory, provider.model, generation).start() : undefined;
    return memory;
  }

  /** Forgets the account's index (log out). */
  reset(): void {
    this.#generation++;
    void this.#reembedder?.stop();
    this.#reembedder = undefined;
    this.#memory = undefined;
    this.#key = undefined;
    this.#set({ model: null, simd, reembed: { state: 'idle' } });
  }

  /**
   * Re-embedding in the background (Reembedder: resumable passes, a failed one tried again with
   * backoff, another pass every ten minutes), its progress counted per collection for the UI.
   */
  #reembed(memory: Memory, model: string, generation: number): Reembedder {
    const live = () => generation === this.#generation;
    type What = (typeof WHAT)[keyof typeof WHAT];
    let counts = { notes: 0, people: 0 };
    let first: { what: What; done: number } | undefined;
    let last = { what: 'notes' as What, done: 0, total: 0 };
    return new Reembedder(memory, {
      collections: Object.keys(WHAT) as (keyof typeof WHAT)[],
      intervalMs: PASS_MS,
      onProgress: ({ collection, done, total }) => {
        const what = WHAT[collection as keyof typeof WHAT];
        if (first?.what !== what) first = { what, done };
        if (what !== 'past requests') counts = { ...counts, [what]: done - first.done };
        last = { what, done, total };
        if (live()) this.#set({ ...this.#view, reembed: { state: 'running', what, done, total } });
      },
      onError: (error, retryInMs) => {
        if (!live()) return;
        const message = `${error.message}; it goes on from there in ${Math.round(retryInMs / 1000)} s`;
        this.#set({ ...this.#view, reembed: { state: 'failed', ...last, message } });
        counts = { notes: 0, people: 0 };
        first = undefined;
      },
      onIdle: () => {
        if (live()) this.#set({ ...this.#view, reembed: { state: 'done', model, ...counts } });
        counts = { notes: 0, people: 0 };
        first = undefined;
      },
    });
  }

  /** The Memory the reasoning engine retrieves with, when a provider is set. */
  get retrieval(): Memory | undefined {
    return this.#memory?.provider ? this.#memory : undefined;
  }

  #current(): Memory {
    if (!this.#memory) throw new AuraError('AURA_INVALID_INPUT', 'not signed in');
    return this.#memory;
  }

  /** Words and meaning fused (Memory.search: RRF, confidence above 0.3), and why by words only when so. */
  async search<C extends Searched>(
    collection: C,
    query: string,
    types: readonly string[] = [],
  ): Promise<SearchResult<VaultRecord<C>>> {
    const memory = this.#current();
    // What other devices wrote since the index was read (only their new vectors are opened).
    await memory.refresh(collection);
    const hits = await memory.search(collection, query, { types, limit: 100 });
    void memory.flush().catch(() => {});
    const unavailable = memory.status.unavailable;
    return {
      hits: hits.map((h) => ({ record: h.record, via: h.via, confidence: h.confidence })),
      notice: unavailable ? `Found by words only: ${unavailable}.` : null,
    };
  }

  /** A new record with its vector (without one when the endpoint fails: its words still find it). */
  async remember<C extends Searched>(collection: C, data: RecordData[C]): Promise<VaultRecord<C>> {
    const memory = this.#current();
    const record = await memory.remember(collection, data);
    void memory.flush().catch(() => {});
    return record;
  }

  /** A record changed, with the vector of its new text (a vault update without one drops it). */
  async revise<C extends Searched>(
    collection: C,
    record: VaultRecord<C>,
    data: RecordData[C],
  ): Promise<VaultRecord<C>> {
    const memory = this.#current();
    const updated = await memory.revise(collection, record, data);
    void memory.flush().catch(() => {});
    return updated;
  }

  /** A signed deletion, and the record out of the index. */
  async forget(collection: CollectionName, id: string): Promise<void> {
    const memory = this.#current();
    await memory.forget(collection, id);
    void memory.flush().catch(() => {});
  }
}
