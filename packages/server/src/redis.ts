import type { FastifyInstance } from 'fastify';
import type { Redis } from 'ioredis';

/**
 * The server's one Redis connection (REDIS_URL), shared by the rate-limit counters and the blob
 * cache. Redis away is not an outage: the counters let requests through (skipOnError), the
 * cache misses, and the server says so once, until Redis is back. A command that gets no answer
 * in half a second fails like a connection that is gone, rather than holding the request.
 * ioredis is loaded only then: a server without Redis does not keep its code in memory.
 */
export async function sharedRedis(app: FastifyInstance, url: string): Promise<Redis> {
  const { Redis } = await import('ioredis');
  const redis = new Redis(url, {
    connectTimeout: 2000,
    commandTimeout: 500,
    maxRetriesPerRequest: 1,
    enableOfflineQueue: false,
  });
  let down = false;
  redis.on('error', (error: Error) => {
    if (down) return;
    down = true;
    app.log.warn(
      { err: { message: error.message } },
      'Redis is unreachable: rate limits are not enforced and the blob cache is off (reads go to PostgreSQL) until it is back',
    );
  });
  redis.on('ready', () => {
    if (down) app.log.info('Redis is back: rate limits are enforced and the blob cache is on again');
    down = false;
  });
  app.addHook('onClose', async () => {
    redis.disconnect();
  });
  return redis;
}
