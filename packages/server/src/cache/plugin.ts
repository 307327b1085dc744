import type { FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';
import { type BlobCache, MemoryBlobCache } from './blob-cache.ts';
import { RedisBlobCache } from './redis-cache.ts';

declare module 'fastify' {
  interface FastifyInstance {
    blobCache: BlobCache;
  }
}

/** The blob cache: Redis when REDIS_URL is set, in process otherwise. */
export const cachePlugin = fp(
  async (app: FastifyInstance) => {
    const url = app.config.redisUrl;
    const cache: BlobCache = url
      ? new RedisBlobCache(url, (state, error) =>
          state === 'down'
            ? app.log.warn(
                { err: { message: error?.message } },
                'Redis is unreachable: the blob cache is off and reads go to PostgreSQL until it is back',
              )
            : app.log.info('Redis is back: the blob cache is on again'),
        )
      : new MemoryBlobCache(app.config.cacheBytes);
    app.decorate('blobCache', cache);
    app.addHook('onClose', () => cache.close());
  },
  { name: 'aura-cache', fastify: '5.x', dependencies: ['aura-config'] },
);
