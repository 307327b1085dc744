import type { Writable } from 'node:stream';
import websocket from '@fastify/websocket';
import Fastify, { type FastifyInstance } from 'fastify';
import { serializerCompiler, validatorCompiler } from 'fastify-type-provider-zod';
import type pg from 'pg';
import { agentHubPlugin } from './agent-channel/hub.ts';
import { agentChannelModule } from './agent-channel/plugin.ts';
import { auditPlugin } from './audit/plugin.ts';
import { cachePlugin } from './cache/plugin.ts';
import { configPlugin, type ServerConfig } from './config.ts';
import { databasePlugin } from './db/plugin.ts';
import type { EventBus } from './events/bus.ts';
import { eventLogPlugin } from './events/plugin.ts';
import { clientErrorHandler, frameworkErrors, registerErrorHandling } from './http/errors.ts';
import { registerGateway } from './http/gateway.ts';
import { healthRoutes } from './http/health.ts';
import { registerTrustedHosts } from './http/hosts.ts';
import { registerMetrics } from './http/metrics.ts';
import { registerSecurityHeaders } from './http/security-headers.ts';
import { registerTaskMetrics } from './http/task-metrics.ts';
import { registerWebApp } from './http/web.ts';
import { consoleLogStream, RequestLogs, requestLogger } from './log.ts';
import { auditModule } from './modules/audit/plugin.ts';
import { authenticationPlugin } from './modules/auth/authenticate.ts';
import { authModule } from './modules/auth/plugin.ts';
import { devicesModule } from './modules/devices/plugin.ts';
import { inferenceModule } from './modules/inference/plugin.ts';
import { supportModule } from './modules/support/plugin.ts';
import { tasksModule } from './modules/tasks/plugin.ts';
import { vaultModule } from './modules/vault/plugin.ts';
import { channelsPlugin } from './notifications/channels-plugin.ts';
import { notifierPlugin } from './notifications/notifier.ts';
import { notificationRoutes } from './notifications/routes.ts';
import { notificationSettingsRoutes } from './notifications/settings-routes.ts';
import { sharedRedis } from './redis.ts';
import { workflowPlugin } from './workflow/plugin.ts';

export { rateLimitClass } from './http/gateway.ts';

export interface AppDependencies {
  pool: pg.Pool;
  /** Where JSON logs go (the console by default, see log.ts); tests pass a stream to read them back. */
  logStream?: Writable;
  /**
   * Runs tasks with DBOS on this database (its system tables in the `dbos` schema). Off when
   * absent: task routes then answer AURA_ORCHESTRATION_DISABLED. `npm start` always sets it.
   */
  orchestration?: { databaseUrl: string };
  /** The event bus, when the caller makes it (a test sharing one between two apps); else from AMQP_URL. */
  events?: EventBus;
}

const WEBSOCKET_OPTIONS = {
  maxPayload: 1024 * 1024,
  // ws (8.23; newer than its types) cuts a connection silently (1006) once 60 pongs wait to be
  // written: a burst of pings is not an attack. Still bounded: each pong is at most 127 bytes.
  maxPendingAutoPongs: 1024,
  // A browser offers ["aura.v1", "aura.bearer.<token>"] (authenticate.ts): the answer names
  // aura.v1, never the token; a client that offers no subprotocol gets none.
  handleProtocols: (protocols: Set<string>) => (protocols.has('aura.v1') ? 'aura.v1' : false),
};

/** Paths pino blanks out, should any of them ever be logged (M13). */
const REDACT = [
  'req.headers.authorization',
  'req.headers.cookie',
  'req.headers["sec-websocket-protocol"]',
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

/**
 * Builds the whole server without listening: tests drive it through inject(). Each module
 * declares what it needs (fastify-plugin checks it), so the order below is the one order that
 * works; it is also the order of the paths in the OpenAPI document.
 */
export async function buildApp(config: ServerConfig, deps: AppDependencies): Promise<FastifyInstance> {
  const stream = deps.logStream ?? (await consoleLogStream(config.logFormat));
  const app = Fastify({
    logger: {
      level: config.logLevel,
      redact: { paths: REDACT, censor: '[redacted]' },
      ...(stream ? { stream } : {}),
    },
    logController: new RequestLogs(),
    childLoggerFactory: requestLogger,
    bodyLimit: config.bodyLimitBytes,
    trustProxy: config.trustProxy,
    frameworkErrors,
    clientErrorHandler,
  });
  // JSON only: a text/plain body is refused as 415 rather than parsed into a string.
  app.removeContentTypeParser('text/plain');
  app.setValidatorCompiler(validatorCompiler);
  app.setSerializerCompiler(serializerCompiler);
  registerErrorHandling(app);
  registerSecurityHeaders(app);
  registerTrustedHosts(app, config.allowedHosts);
  const redis = config.redisUrl ? await sharedRedis(app, config.redisUrl) : undefined;
  await registerGateway(app, config, redis);
  registerMetrics(app, { token: config.metricsToken, instance: config.orchestration.executorId });

  await app.register(configPlugin, { config });
  await app.register(databasePlugin, { pool: deps.pool });
  registerTaskMetrics(app.metricsRegistry, deps.pool);
  await app.register(cachePlugin, { redis });
  await app.register(authenticationPlugin);
  await app.register(healthRoutes);
  await app.register(eventLogPlugin);
  await app.register(notifierPlugin, { events: deps.events });
  await app.register(auditPlugin);
  await app.register(agentHubPlugin);
  await app.register(authModule);
  await app.register(devicesModule);
  await app.register(auditModule);
  await app.register(supportModule);
  await app.register(vaultModule);
  await app.register(inferenceModule);
  await app.register(workflowPlugin, { databaseUrl: deps.orchestration?.databaseUrl });
  await app.register(websocket, {
    options: WEBSOCKET_OPTIONS,
    // A peer's protocol error (an oversized or malformed frame) is the peer's fault: ws has
    // already closed with the right code (1009, 1002); it is not a server error.
    errorHandler: (error, socket, request) => {
      const code = (error as { code?: string }).code;
      if (code?.startsWith('WS_ERR_')) request.log.warn({ err: { code } }, 'WebSocket peer sent a bad frame; closed');
      else request.log.error({ err: { type: error.name, code, stack: error.stack } }, 'WebSocket error');
      socket.terminate();
    },
  });
  await app.register(channelsPlugin);
  await app.register(notificationRoutes);
  await app.register(notificationSettingsRoutes);
  await app.register(tasksModule);
  await app.register(agentChannelModule);
  await registerWebApp(app, config.webRoot, { connectOrigins: config.webConnectOrigins });
  return app;
}
