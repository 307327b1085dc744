import { createHash, timingSafeEqual } from 'node:crypto';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { Counter, collectDefaultMetrics, Gauge, Registry } from 'prom-client';
import { sendError } from './errors.ts';
import { type DurationSeries, RouteDurations } from './route-durations.ts';

const digest = (value: string) => createHash('sha256').update(value).digest();

/** One route and method's durations, and its requests by status, not yet in the counter. */
interface RouteSeries {
  time: DurationSeries;
  counts: Map<number, { labels: Record<'service' | 'endpoint' | 'method' | 'status', string>; pending: number }>;
}

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
  // A request counts in plain numbers, in series made once per route, method (and status):
  // prom-client checks and hashes a label set on every inc() and observe() (decision 0019). The
  // counts go into the counter when it is scraped; the durations are a RouteDurations.
  const routes = new Map<string, RouteSeries>();
  new Counter({
    name: 'aura_requests_total',
    help: 'Total requests',
    labelNames: ['service', 'endpoint', 'method', 'status'],
    registers: [registry],
    collect() {
      for (const route of routes.values())
        for (const count of route.counts.values())
          if (count.pending > 0) {
            this.inc(count.labels, count.pending);
            count.pending = 0;
          }
    },
  });
  const durations = new RouteDurations(
    'aura_request_duration_seconds',
    'Request duration',
    [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
    registry,
  );
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
  // Bounded: route patterns, the methods Node parses and the status codes are all finite.
  app.addHook('onResponse', (request, reply, done) => {
    const method = request.method;
    const endpoint = request.routeOptions.url ?? 'unmatched';
    const key = `${method} ${endpoint}`;
    let route = routes.get(key);
    if (route === undefined) {
      route = { time: durations.series({ service: 'api', endpoint, method }), counts: new Map() };
      routes.set(key, route);
    }
    const status = reply.statusCode;
    let count = route.counts.get(status);
    if (count === undefined) {
      count = { labels: { service: 'api', endpoint, method, status: String(status) }, pending: 0 };
      route.counts.set(status, count);
    }
    count.pending++;
    route.time.observe(reply.elapsedTime / 1000);
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
