import cors from '@fastify/cors';
import rateLimit from '@fastify/rate-limit';
import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { Redis } from 'ioredis';
import type { ServerConfig } from '../config.ts';
import { DOCUMENT_INFO, DOCUMENT_TAGS, openApiCompletion } from './openapi.ts';

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

/** What every route gets before its module sees it: CORS, rate limits, the API docs (security headers: security-headers.ts). */
export async function registerGateway(
  app: FastifyInstance,
  config: ServerConfig,
  redis: Redis | undefined,
): Promise<void> {
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
    // Shared by every server process; with Redis away, requests go on unlimited.
    ...(redis ? { redis, nameSpace: 'aura-rate-limit:', skipOnError: true } : {}),
    errorResponseBuilder: (_request, context) => ({
      statusCode: 429,
      message: `too many requests: ${context.max} a minute; retry in ${Math.ceil(context.ttl / 1000)} s`,
    }),
  });
  // The document lists every answer of every route, errors included (openapi.ts).
  const completion = openApiCompletion();
  await app.register(swagger, {
    openapi: {
      info: DOCUMENT_INFO,
      tags: DOCUMENT_TAGS,
      components: { securitySchemes: { bearer: { type: 'http', scheme: 'bearer', bearerFormat: 'JWT' } } },
    },
    transform: completion.transform,
    transformObject: completion.transformObject,
  });
  completion.watch(app);
  await app.register(swaggerUi, { routePrefix: '/api/docs', staticCSP: true });
}
