import { Redis } from 'ioredis';
import type { BlobCache } from './blob-cache.ts';

const PREFIX = 'aura-blob:';

/**
 * The blob cache in Redis, shared by every server process. Redis away is a miss, never an
 * error: the database answers, and `onDown` is told once until Redis is back.
 */
export class RedisBlobCache implements BlobCache {
  readonly kind = 'redis' as const;
  readonly #redis: Redis;
  #down = false;

  constructor(
    url: string,
    private readonly onChange: (state: 'down' | 'up', error?: Error) => void = () => {},
  ) {
    this.#redis = new Redis(url, {
      connectTimeout: 2000,
      commandTimeout: 500,
      maxRetriesPerRequest: 1,
      enableOfflineQueue: false,
    });
    this.#redis.on('error', (error: Error) => this.#mark(true, error));
    this.#redis.on('ready', () => this.#mark(false));
  }

  #mark(down: boolean, error?: Error) {
    if (down === this.#down) return;
    this.#down = down;
    this.onChange(down ? 'down' : 'up', error);
  }

  // Until the connection is up (at start, while reconnecting) every call is a quick miss.
  get #ready() {
    return this.#redis.status === 'ready';
  }

  async get(key: string): Promise<string | undefined> {
    if (!this.#ready) return undefined;
    try {
      return (await this.#redis.get(PREFIX + key)) ?? undefined;
    } catch (error) {
      this.#mark(true, error as Error);
      return undefined;
    }
  }

  async set(key: string, value: string, ttlSeconds: number): Promise<void> {
    if (!this.#ready) return;
    try {
      await this.#redis.set(PREFIX + key, value, 'EX', ttlSeconds);
    } catch (error) {
      this.#mark(true, error as Error);
    }
  }

  async delete(key: string): Promise<void> {
    if (!this.#ready) return;
    try {
      await this.#redis.del(PREFIX + key);
    } catch (error) {
      this.#mark(true, error as Error);
    }
  }

  async close(): Promise<void> {
    this.#redis.disconnect();
  }
}
