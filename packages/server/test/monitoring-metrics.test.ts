import assert from 'node:assert/strict';
import { randomBytes, randomUUID } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { startTestServer, type TestServer, TestUser, waitFor } from '@aura/testing';
import WebSocket from 'ws';
import {
  alertQueries,
  alternatives,
  dashboardQueries,
  type Exposition,
  metricNames,
  parseExposition,
  type Query,
  selectableNames,
  selectors,
  unexported,
} from './support/monitoring.ts';

/**
 * The alerts and the dashboard against a real server's GET /metrics: every metric they name is
 * one the server exports, every label they match on is one its series carry, and every route they
 * name is one it has. promtool accepts a query over a metric that does not exist, and Grafana
 * draws it as an empty panel; this is where such a query fails.
 */
const TOKEN = 'metrics-token-0123456789abcdef';
/** Labels Prometheus adds to every series it scrapes. */
const TARGET_LABELS = new Set(['job', 'instance']);

let server: TestServer;
let agent: WebSocket | undefined;
let exposition: Exposition;

const scrape = async (url: string) => {
  const res = await fetch(`${url}/metrics`, { headers: { authorization: `Bearer ${TOKEN}` } });
  assert.equal(res.status, 200);
  return parseExposition(await res.text());
};

before(async () => {
  server = await startTestServer({ AURA_METRICS_TOKEN: TOKEN, AURA_EXECUTOR_ID: 'server-1' }, { orchestration: true });
  const url = await server.app.listen({ host: '127.0.0.1', port: 0 });
  const user = await new TestUser((options) => server.app.inject(options)).register();
  assert.equal((await user.login()).statusCode, 200);
  assert.equal((await user.login('not the password')).statusCode, 401);
  assert.equal((await server.app.inject({ method: 'GET', url: '/no-such-route' })).statusCode, 404);

  // A dispatch is timed only when it reaches a connected agent: this user's device connects as one,
  // and a two-step task's first result leads to the second step's dispatch.
  const headers = { authorization: `Bearer ${user.accessToken}` };
  const socket = new WebSocket(`${url.replace(/^http/, 'ws')}/api/v1/agent/connect`, { headers });
  agent = socket;
  await new Promise((resolve, reject) => {
    socket.once('message', resolve);
    socket.once('error', reject);
  });
  const sealed = () => randomBytes(60).toString('base64');
  const taskId = randomUUID();
  const submitted = await server.app.inject({
    method: 'POST',
    url: '/api/v1/tasks',
    headers,
    payload: {
      id: taskId,
      request: sealed(),
      steps: [
        { id: 's1', requiresApproval: false, ciphertext: sealed() },
        { id: 's2', requiresApproval: false, ciphertext: sealed() },
      ],
    },
  });
  assert.equal(submitted.statusCode, 201, submitted.body);
  const first = await waitFor(async () => {
    const task = (await server.app.inject({ method: 'GET', url: `/api/v1/tasks/${taskId}`, headers })).json() as {
      steps: { id: string; status: string; attempts: number }[];
    };
    return task.steps.find((s) => s.id === 's1' && s.status === 'dispatched');
  });
  const reported = await server.app.inject({
    method: 'POST',
    url: `/api/v1/tasks/${taskId}/steps/s1/result`,
    headers,
    payload: { attempt: first.attempts, ok: true, retryable: false, result: sealed() },
  });
  assert.equal(reported.statusCode, 200, reported.body);
  exposition = await waitFor(async () => {
    const scraped = await scrape(url);
    return (
      scraped.samples.some((s) => s.name === 'aura_task_dispatch_latency_seconds_count' && s.labels.transition) &&
      scraped
    );
  });
});

after(async () => {
  agent?.terminate();
  await server?.close();
});

const queries = (): Query[] => [...alertQueries(), ...dashboardQueries()];

describe('reading PromQL', () => {
  it('finds the metric names of an expression, and not its functions, keywords, labels or variables', () => {
    const expr = `histogram_quantile(0.99, sum by (instance, le) (rate(a_bucket{endpoint!~"/x|/y", le="0.5"}[$__rate_interval])))
      / on (instance) group_left (kind) b_total offset 5m > bool 1e3
      and sum without (status) (c{instance=~"$instance"}) unless {__name__="d", x="y"} or up`;
    assert.deepEqual(metricNames(expr), ['a_bucket', 'b_total', 'c', 'd', 'up']);
    assert.deepEqual(selectors('rate(a{x="1", y=~"2|3"}[5m])'), [
      {
        metric: 'a',
        matchers: [
          { label: 'x', op: '=', value: '1' },
          { label: 'y', op: '=~', value: '2|3' },
        ],
      },
    ]);
    assert.deepEqual(alternatives('/a/(b|c)|/d'), ['/a/b', '/a/c', '/d']);
  });

  it('a query over a metric the server does not export is reported', () => {
    const exported = new Set(['aura_requests_total']);
    assert.deepEqual(
      unexported(
        [{ where: 'panel "x" A', expr: 'sum(rate(aura_request_total[5m])) / sum(rate(aura_requests_total[5m]))' }],
        exported,
      ),
      ['panel "x" A: aura_request_total'],
    );
    // A classic histogram is selected by its series, never by the family's own name.
    const histogram = selectableNames(
      parseExposition('# TYPE h histogram\nh_bucket{le="+Inf"} 1\nh_sum 1\nh_count 1\n'),
    );
    assert.deepEqual([...histogram].sort(), ['h_bucket', 'h_count', 'h_sum']);
  });
});

describe('the alerts and the dashboard against GET /metrics', () => {
  it('the alerts and the dashboard have queries, each naming a metric', () => {
    const alerts = alertQueries();
    const panels = dashboardQueries();
    assert.ok(alerts.length >= 5, 'the alerts were read');
    assert.ok(panels.length >= 10, 'the panels were read');
    for (const { where, expr } of [...alerts, ...panels])
      assert.ok(metricNames(expr).length > 0, `${where} names no metric: ${expr}`);
  });

  it('every metric an alert or a panel names is one the server exports', () => {
    const exported = selectableNames(exposition);
    assert.deepEqual(unexported(queries(), exported), []);
  });

  it("every label an alert or a panel matches on is one the metric's series carry", () => {
    const problems: string[] = [];
    for (const { where, expr } of queries())
      for (const { metric, matchers } of selectors(expr))
        for (const { label } of matchers) {
          if (TARGET_LABELS.has(label)) continue;
          const series = exposition.samples.filter((s) => s.name === metric);
          if (series.length === 0) problems.push(`${where}: no ${metric} series to check {${label}} on`);
          else if (!series.some((s) => label in s.labels)) problems.push(`${where}: ${metric} has no label ${label}`);
        }
    assert.deepEqual(problems, []);
  });

  it('every route an alert or a panel names in an endpoint matcher is a route of the server', () => {
    const methods = ['GET', 'POST', 'PUT', 'PATCH', 'DELETE'] as const;
    const problems: string[] = [];
    for (const { where, expr } of queries())
      for (const { matchers } of selectors(expr))
        for (const { label, op, value } of matchers) {
          if (label !== 'endpoint') continue;
          const routes = op === '=' || op === '!=' ? [value] : alternatives(value);
          for (const url of routes)
            if (!methods.some((method) => server.app.hasRoute({ method, url })))
              problems.push(`${where}: no route ${url}`);
        }
    assert.deepEqual(problems, []);
  });

  it('the login-failure alert counts a wrong password, and not a login that succeeded', () => {
    const rule = alertQueries().find((q) => q.where === 'alert AuraLoginFailureSpike');
    assert.ok(rule);
    const [selector] = selectors(rule.expr);
    assert.ok(selector);
    const counted = exposition.samples.filter(
      (s) =>
        s.name === selector.metric &&
        selector.matchers.every(({ label, op, value }) => {
          const actual = s.labels[label] ?? '';
          const matches = op.endsWith('~') ? new RegExp(`^(?:${value})$`).test(actual) : actual === value;
          return op.startsWith('!') ? !matches : matches;
        }),
    );
    assert.deepEqual(
      counted.map((s) => `${s.labels.endpoint} ${s.labels.status}`),
      ['/api/v1/auth/srp/verify 401'],
    );
  });
});
