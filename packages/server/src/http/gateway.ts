import cors from '@fastify/cors';
import helmet from '@fastify/helmet';
import rateLimit from '@fastify/rate-limit';
import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { Redis } from 'ioredis';
import type { ServerConfig } from '../config.ts';
import { openApiCompletion } from './openapi.ts';

/** Per-route rate-limit classes of the spec; the default class applies to every other route. */
export const rateLimitClass = (config: ServerConfig, name: 'ai_inference' | 'integrations') => ({
  rateLimit: { max: config.rateLimits[name], timeWindow: '1 minute' },
});

/**
 * Whose allowance a request spends: the account, when it carries a token the server signed (so
 * a person's devices share one allowance, and a shared address does not throttle its users), the
 * address otherwise. Counted per account-and-class key by @fastify/rate-limit.
 */
async function rateLimitKey(request: FastifyRequest): Promise<string> {
  const account = await request.server.accountOfRequest?.(request);
  return account ? `account:${account}` : `address:${request.ip}`;
}

/**
 * The counters in Redis, shared by every server process. Redis away is not an outage: requests
 * go on unlimited (skipOnError) and the server says so once, until Redis is back.
 */
function sharedCounters(app: FastifyInstance, url: string): Redis {
  const redis = new Redis(url, { connectTimeout: 2000, maxRetriesPerRequest: 1, enableOfflineQueue: false });
  let down = false;
  redis.on('error', (error: Error) => {
    if (down) return;
    down = true;
    app.log.warn(
      { err: { message: error.message } },
      'Redis is unreachable: rate limits are not enforced until it is back',
    );
  });
  redis.on('ready', () => {
    if (down) app.log.info('Redis is back: rate limits are enforced again');
    down = false;
  });
  app.addHook('onClose', async () => {
    redis.disconnect();
  });
  return redis;
}

/** What every route gets before its module sees it: security headers, CORS, rate limits, the API docs. */
export async function registerGateway(app: FastifyInstance, config: ServerConfig): Promise<void> {
  await app.register(helmet, { global: true });
  await app.register(cors, {
    origin: (origin, callback) => callback(null, origin === undefined || config.allowedOrigins.includes(origin)),
    methods: ['GET', 'POST', 'PUT', 'DELETE'],
    allowedHeaders: ['authorization', 'content-type'],
  });
  await app.register(rateLimit, {
    global: true,
    max: config.rateLimits.default,
    timeWindow: '1 minute',
    keyGenerator: rateLimitKey,
    ...(config.redisUrl
      ? { redis: sharedCounters(app, config.redisUrl), nameSpace: 'aura-rate-limit:', skipOnError: true }
      : {}),
    errorResponseBuilder: (_request, context) => ({
      statusCode: 429,
      message: `too many requests: ${context.max} a minute; retry in ${Math.ceil(context.ttl / 1000)} s`,
    }),
  });
  // The document lists every answer of every route, errors included (openapi.ts).
  const completion = openApiCompletion();
  await app.register(swagger, {
    openapi: {
      info: {
        title: 'Aura API',
        version: '1.0.0',
        description: 'The zero-knowledge server: it stores ciphertext only.',
      },
      components: { securitySchemes: { bearer: { type: 'http', scheme: 'bearer', bearerFormat: 'JWT' } } },
    },
    transform: completion.transform,
    transformObject: completion.transformObject,
  });
  completion.watch(app);
  await app.register(swaggerUi, { routePrefix: '/api/docs', staticCSP: true });
}
