import type { Redis } from 'ioredis';
import type { BlobCache } from './blob-cache.ts';

const PREFIX = 'aura-blob:';

/**
 * The blob cache in Redis, shared by every server process, on a connection it is given (and
 * does not close). Redis away is a miss, never an error: the database answers; the connection's
 * owner reports the outage (see ../redis.ts).
 */
export class RedisBlobCache implements BlobCache {
  readonly kind = 'redis' as const;

  constructor(private readonly redis: Redis) {}

  // Until the connection is up (at start, while reconnecting) every call is a quick miss.
  get #ready() {
    return this.redis.status === 'ready';
  }

  async get(key: string): Promise<string | undefined> {
    if (!this.#ready) return undefined;
    return (await this.redis.get(PREFIX + key).catch(() => null)) ?? undefined;
  }

  async set(key: string, value: string, ttlSeconds: number): Promise<void> {
    if (this.#ready) await this.redis.set(PREFIX + key, value, 'EX', ttlSeconds).catch(() => {});
  }

  async delete(key: string): Promise<void> {
    if (this.#ready) await this.redis.del(PREFIX + key).catch(() => {});
  }

  async close(): Promise<void> {}
}
