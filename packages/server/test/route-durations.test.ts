import assert from 'node:assert/strict';
import { it } from 'node:test';
import fc from 'fast-check';
import { Histogram, Registry } from 'prom-client';
import { RouteDurations } from '../src/http/route-durations.ts';

const NAME = 'aura_request_duration_seconds';
const BOUNDS = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5];
const ROUTES = [
  { service: 'api', endpoint: '/health', method: 'GET' },
  { service: 'api', endpoint: '/api/v1/context/:id', method: 'PUT' },
  { service: 'api', endpoint: 'unmatched', method: 'DELETE' },
];

it("writes /metrics exactly as prom-client's Histogram does, for any observations, after a reset too", async () => {
  await fc.assert(
    fc.asyncProperty(
      fc.array(
        fc.record({
          route: fc.integer({ min: 0, max: ROUTES.length - 1 }),
          // On the bounds, between them, beyond the last, and zero.
          seconds: fc.oneof(fc.constantFrom(0, ...BOUNDS), fc.double({ min: 0, max: 10, noNaN: true })),
        }),
        { maxLength: 60 },
      ),
      fc.boolean(),
      async (observations, reset) => {
        const ours = new Registry();
        const theirs = new Registry();
        for (const registry of [ours, theirs]) registry.setDefaultLabels({ aura_instance: 'aura-1' });
        const durations = new RouteDurations(NAME, 'Request duration', BOUNDS, ours);
        const histogram = new Histogram({
          name: NAME,
          help: 'Request duration',
          labelNames: ['service', 'endpoint', 'method'],
          buckets: BOUNDS,
          registers: [theirs],
        });
        const series = new Map<number, ReturnType<RouteDurations['series']>>();
        const observe = (route: number, seconds: number) => {
          const labels = ROUTES[route] ?? {};
          const one = series.get(route) ?? durations.series(labels);
          series.set(route, one);
          one.observe(seconds);
          histogram.observe(labels, seconds);
        };
        for (const { route, seconds } of observations) observe(route, seconds);
        if (reset) {
          ours.resetMetrics();
          theirs.resetMetrics();
          for (const { route, seconds } of observations.slice(0, 5)) observe(route, seconds);
        }
        // After a reset prom-client forgets its series; ours stay at zero until counted again.
        if (!reset) assert.equal(await ours.metrics(), await theirs.metrics());
        else assert.deepEqual(samples(await ours.metrics()), samples(await theirs.metrics()));
      },
    ),
  );
});

/** The non-zero samples of an exposition, for comparing one with series at zero to one without. */
function samples(text: string): string[] {
  return text.split('\n').filter((line) => line && !line.startsWith('#') && !/ 0$/.test(line));
}
