/**
 * A cache of encrypted blobs (the spec's "Caching Strategy"): in process by default, Redis when
 * REDIS_URL is set so that every server process shares it. It holds only what the database
 * holds (ciphertext the server cannot open) and is never the source of truth: a reader checks
 * what it got against the database's version of the row, so a stale or lost entry is a miss.
 */
export interface BlobCache {
  readonly kind: 'in-process' | 'redis';
  /** The entry, or undefined on a miss (a cache that cannot answer is a miss, not an error). */
  get(key: string): Promise<string | undefined>;
  set(key: string, value: string, ttlSeconds: number): Promise<void>;
  delete(key: string): Promise<void>;
  close(): Promise<void>;
}

interface Entry {
  value: string;
  expires: number;
}

/** Least recently used first out, within a budget of characters (about bytes: entries are base64 JSON). */
export class MemoryBlobCache implements BlobCache {
  readonly kind = 'in-process' as const;
  readonly #entries = new Map<string, Entry>();
  #size = 0;

  constructor(private readonly budget = 64 * 1024 * 1024) {}

  async get(key: string): Promise<string | undefined> {
    const entry = this.#entries.get(key);
    if (!entry) return undefined;
    this.#entries.delete(key);
    if (entry.expires <= Date.now()) {
      this.#size -= entry.value.length;
      return undefined;
    }
    this.#entries.set(key, entry); // now the most recently used
    return entry.value;
  }

  async set(key: string, value: string, ttlSeconds: number): Promise<void> {
    await this.delete(key);
    if (value.length > this.budget / 8) return; // one blob never pushes out most of the others
    this.#entries.set(key, { value, expires: Date.now() + ttlSeconds * 1000 });
    this.#size += value.length;
    for (const [oldest, entry] of this.#entries) {
      if (this.#size <= this.budget) break;
      this.#entries.delete(oldest);
      this.#size -= entry.value.length;
    }
  }

  async delete(key: string): Promise<void> {
    const entry = this.#entries.get(key);
    if (!entry) return;
    this.#entries.delete(key);
    this.#size -= entry.value.length;
  }

  async close(): Promise<void> {
    this.#entries.clear();
    this.#size = 0;
  }
}
