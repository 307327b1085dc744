import type { FastifyInstance } from 'fastify';
import { Counter, Gauge, Histogram, Registry } from 'prom-client';

/**
 * The spec's Prometheus metrics. Labels are route patterns (`/api/v1/context/:id`), never
 * raw URLs, so no id or token can reach a label (M13).
 */
export function registerMetrics(app: FastifyInstance): Registry {
  const registry = new Registry();
  const requests = new Counter({
    name: 'aura_requests_total',
    help: 'Total requests',
    labelNames: ['service', 'endpoint', 'method', 'status'],
    registers: [registry],
  });
  const duration = new Histogram({
    name: 'aura_request_duration_seconds',
    help: 'Request duration',
    labelNames: ['service', 'endpoint', 'method'],
    buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
    registers: [registry],
  });
  const recent = new Map<string, number>();
  const ACTIVE_WINDOW_MS = 15 * 60 * 1000;
  new Gauge({
    name: 'aura_active_users',
    help: 'Users with an authenticated request in the last 15 minutes',
    labelNames: ['tier'],
    registers: [registry],
    collect() {
      const cutoff = Date.now() - ACTIVE_WINDOW_MS;
      for (const [user, seen] of recent) if (seen < cutoff) recent.delete(user);
      this.set({ tier: 'all' }, recent.size);
    },
  });
  app.decorate('markActiveUser', (userId: string) => {
    recent.set(userId, Date.now());
  });
  app.addHook('onResponse', async (request, reply) => {
    const endpoint = request.routeOptions.url ?? 'unmatched';
    const labels = { service: 'api', endpoint, method: request.method };
    requests.inc({ ...labels, status: String(reply.statusCode) });
    duration.observe(labels, reply.elapsedTime / 1000);
  });
  app.get('/metrics', { config: { rateLimit: false } }, async (_request, reply) =>
    reply.type(registry.contentType).send(await registry.metrics()),
  );
  return registry;
}

declare module 'fastify' {
  interface FastifyInstance {
    markActiveUser(userId: string): void;
  }
}
