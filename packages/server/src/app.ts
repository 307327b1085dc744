import type { Writable } from 'node:stream';
import { collections } from '@aura/protocol';
import cors from '@fastify/cors';
import helmet from '@fastify/helmet';
import rateLimit from '@fastify/rate-limit';
import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import websocket from '@fastify/websocket';
import Fastify, { type FastifyInstance } from 'fastify';
import { jsonSchemaTransform, serializerCompiler, validatorCompiler } from 'fastify-type-provider-zod';
import type pg from 'pg';
import { AuditLog } from './audit/log.ts';
import { auditRoutes } from './audit/routes.ts';
import { loadLogSigner } from './audit/signer.ts';
import { registerAuthentication } from './auth/authenticate.ts';
import { authRoutes } from './auth/routes.ts';
import { loadServerKeys } from './auth/server-keys.ts';
import type { ServerConfig } from './config.ts';
import { deviceRoutes } from './devices/routes.ts';
import { registerErrorHandling, sendError } from './http/errors.ts';
import { registerTrustedHosts } from './http/hosts.ts';
import { registerMetrics } from './http/metrics.ts';
import { Notifier, notificationRoutes } from './notifications/notifier.ts';
import { supportRoutes } from './support/routes.ts';
import { AgentHub } from './tasks/agent-hub.ts';
import { Orchestrator } from './tasks/orchestrator.ts';
import { taskRoutes } from './tasks/routes.ts';
import { vaultRoutes } from './vault/routes.ts';

export interface AppDependencies {
  pool: pg.Pool;
  /** Where JSON logs go (stdout by default); tests pass a stream to read them back. */
  logStream?: Writable;
  /**
   * Runs tasks with DBOS on this database (its system tables in the `dbos` schema). Off when
   * absent: task routes then answer AURA_ORCHESTRATION_DISABLED. `npm start` always sets it.
   */
  orchestration?: { databaseUrl: string };
}

/** Paths pino blanks out, should any of them ever be logged (M13). */
const REDACT = [
  'req.headers.authorization',
  'req.headers.cookie',
  'res.headers["set-cookie"]',
  '*.password',
  '*.accessToken',
  '*.refreshToken',
  '*.token',
  '*.encryptedData',
  '*.srpVerifier',
  '*.M1',
  '*.M2',
];

/** Per-route rate-limit classes of the spec; the default class applies to every other route. */
export const rateLimitClass = (config: ServerConfig, name: 'ai_inference' | 'integrations') => ({
  rateLimit: { max: config.rateLimits[name], timeWindow: '1 minute' },
});

/** Builds the whole server without listening: tests drive it through inject(). */
export async function buildApp(config: ServerConfig, deps: AppDependencies): Promise<FastifyInstance> {
  const app = Fastify({
    logger: {
      level: config.logLevel,
      redact: { paths: REDACT, censor: '[redacted]' },
      ...(deps.logStream ? { stream: deps.logStream } : {}),
    },
    bodyLimit: config.bodyLimitBytes,
    trustProxy: false,
  });
  // JSON only: a text/plain body is refused as 415 rather than parsed into a string.
  app.removeContentTypeParser('text/plain');
  app.setValidatorCompiler(validatorCompiler);
  app.setSerializerCompiler(serializerCompiler);
  registerErrorHandling(app);
  registerTrustedHosts(app, config.allowedHosts);

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
    errorResponseBuilder: (_request, context) => ({
      statusCode: 429,
      message: `too many requests: ${context.max} a minute; retry in ${Math.ceil(context.ttl / 1000)} s`,
    }),
  });
  await app.register(swagger, {
    openapi: {
      info: {
        title: 'Aura API',
        version: '1.0.0',
        description: 'The zero-knowledge server: it stores ciphertext only.',
      },
      components: { securitySchemes: { bearer: { type: 'http', scheme: 'bearer', bearerFormat: 'JWT' } } },
    },
    transform: jsonSchemaTransform,
  });
  await app.register(swaggerUi, { routePrefix: '/api/docs', staticCSP: true });

  const metrics = registerMetrics(app, { token: config.metricsToken });
  const keys = await loadServerKeys(deps.pool);
  registerAuthentication(app, config, keys, deps.pool);

  app.get('/health', { config: { rateLimit: false } }, async () => ({ status: 'ok' }));
  app.get('/ready', { config: { rateLimit: false } }, async (_request, reply) => {
    try {
      await deps.pool.query('SELECT 1');
      return { status: 'ready' };
    } catch {
      return sendError(reply, 'AURA_NOT_READY', 'the database is not reachable');
    }
  });

  const signer = await loadLogSigner(deps.pool, config.auditLogName, config.auditOrigin);
  const notifier = new Notifier();
  const audit = new AuditLog(deps.pool, signer, (userId, entry, index) =>
    notifier.publish(userId, {
      type: 'audit',
      index,
      eventType: entry.eventType,
      action: entry.action,
      result: entry.result,
      actorType: entry.actorType,
    }),
  );
  await app.register(authRoutes(config, keys, deps.pool, audit));
  const hub = new AgentHub();
  await app.register(
    deviceRoutes(config, keys, deps.pool, audit, (userId, deviceId) => hub.closeDevice(userId, deviceId)),
  );
  await app.register(auditRoutes(deps.pool, audit, signer));
  await app.register(supportRoutes(config, deps.pool, audit));
  await app.register(notificationRoutes(notifier));
  for (const collection of collections) await app.register(vaultRoutes(deps.pool, collection, audit));
  let orchestrator: Orchestrator | undefined;
  if (deps.orchestration) {
    orchestrator = new Orchestrator(deps.pool, audit, notifier, hub, config.orchestration, metrics);
    await orchestrator.start(deps.orchestration.databaseUrl);
    app.addHook('onClose', async () => {
      hub.closeAll();
      await orchestrator?.stop();
    });
  }
  await app.register(websocket, { options: { maxPayload: 1024 * 1024 } });
  await app.register(taskRoutes(deps.pool, audit, hub, orchestrator));
  app.decorate('metricsRegistry', metrics);
  return app;
}

declare module 'fastify' {
  interface FastifyInstance {
    metricsRegistry: import('prom-client').Registry;
  }
}
