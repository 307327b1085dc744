import type { FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';
import type { Redis } from 'ioredis';
import { type BlobCache, MemoryBlobCache } from './blob-cache.ts';
import { RedisBlobCache } from './redis-cache.ts';

declare module 'fastify' {
  interface FastifyInstance {
    blobCache: BlobCache;
  }
}

/** The blob cache: on the server's Redis connection when REDIS_URL is set, in process otherwise. */
export const cachePlugin = fp(
  async (app: FastifyInstance, options: { redis?: Redis | undefined }) => {
    const cache: BlobCache = options.redis
      ? new RedisBlobCache(options.redis)
      : new MemoryBlobCache(app.config.cacheBytes);
    app.decorate('blobCache', cache);
    app.addHook('onClose', () => cache.close());
  },
  { name: 'aura-cache', fastify: '5.x', dependencies: ['aura-config'] },
);
