import { createHash, timingSafeEqual } from 'node:crypto';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { Counter, collectDefaultMetrics, Gauge, Histogram, Registry } from 'prom-client';
import { sendError } from './errors.ts';

const digest = (value: string) => createHash('sha256').update(value).digest();

/**
 * Whether the request carries `Authorization: Bearer <token>`. Both sides are hashed first, so
 * the comparison is constant-time and its length says nothing about the token's.
 */
function bearerMatches(request: FastifyRequest, expected: Buffer): boolean {
  const match = request.headers.authorization?.match(/^Bearer (\S+)$/i);
  // No token hashes like a configured one: AURA_METRICS_TOKEN is never empty.
  return timingSafeEqual(digest(match?.[1] ?? ''), expected);
}

/**
 * The spec's Prometheus metrics. Labels are route patterns (`/api/v1/context/:id`), never
 * raw URLs, so no id or token can reach a label (M13). With `token` (AURA_METRICS_TOKEN),
 * GET /metrics needs `Authorization: Bearer <token>`; without it, the endpoint is open.
 */
export function registerMetrics(
  app: FastifyInstance,
  options: { token?: string | undefined; instance?: string } = {},
): Registry {
  const registry = new Registry();
  // Several server processes report to one Prometheus: each series says which process it is
  // (its AURA_EXECUTOR_ID), and each process its own memory, CPU, event-loop lag and handles.
  if (options.instance) registry.setDefaultLabels({ aura_instance: options.instance });
  collectDefaultMetrics({ register: registry });
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
  app.decorate('metricsRegistry', registry);
  app.decorate('markActiveUser', (userId: string) => {
    recent.set(userId, Date.now());
  });
  // Each series' label set is made and checked once, when it first appears; a request only counts.
  // Bounded: route patterns, the methods Node parses and the status codes are all finite.
  const series = new Map<string, { count: { inc(): void }; time: { observe(seconds: number): void } }>();
  app.addHook('onResponse', (request, reply, done) => {
    const endpoint = request.routeOptions.url ?? 'unmatched';
    const key = `${request.method} ${reply.statusCode} ${endpoint}`;
    let one = series.get(key);
    if (one === undefined) {
      const labels = { service: 'api', endpoint, method: request.method };
      one = { count: requests.labels({ ...labels, status: String(reply.statusCode) }), time: duration.labels(labels) };
      series.set(key, one);
    }
    one.count.inc();
    one.time.observe(reply.elapsedTime / 1000);
    done();
  });
  const expected = options.token === undefined ? undefined : digest(options.token);
  app.get(
    '/metrics',
    {
      config: { rateLimit: false },
      schema: {
        tags: ['health'],
        summary: 'Get the Prometheus metrics',
        description:
          "Request counts and durations by route pattern (never a raw URL, so no id reaches a label), active users and the process's own metrics, in Prometheus' text format. With AURA_METRICS_TOKEN set it needs `Authorization: Bearer <that token>` (not a user's token); without it, it is open. Not rate-limited.",
      },
    },
    async (request, reply) => {
      if (expected && !bearerMatches(request, expected)) {
        return sendError(
          reply,
          'AURA_UNAUTHENTICATED',
          'the metrics need "Authorization: Bearer <AURA_METRICS_TOKEN>"',
        );
      }
      return reply.type(registry.contentType).send(await registry.metrics());
    },
  );
  return registry;
}

declare module 'fastify' {
  interface FastifyInstance {
    markActiveUser(userId: string): void;
    metricsRegistry: Registry;
  }
}
