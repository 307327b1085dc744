import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { startTestServer, type TestServer, TestUser, waitFor } from '@aura/testing';
import { maintainEventLog, maintainPartitions } from '../src/events/partitions.ts';

// The event log in PostgreSQL: one partition per month, made ahead of time and dropped past the
// retention; the activity summary counts a user's events by type and day; the log answers in
// seq order and only with the asking user's events.

let server: TestServer;
let user: TestUser;
let other: TestUser;

const partitions = async () =>
  (
    await server.pool.query<{ name: string }>(
      `SELECT c.relname AS name FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid
        JOIN pg_class p ON p.oid = i.inhparent WHERE p.relname = 'events' ORDER BY 1`,
    )
  ).rows.map((r) => r.name);

const monthName = (d: Date) => `events_${d.getUTCFullYear()}_${String(d.getUTCMonth() + 1).padStart(2, '0')}`;
const monthsFrom = (d: Date, n: number) => new Date(Date.UTC(d.getUTCFullYear(), d.getUTCMonth() + n, 1));

before(async () => {
  server = await startTestServer();
  user = await new TestUser((o) => server.app.inject(o)).register();
  await user.login();
  other = await new TestUser((o) => server.app.inject(o)).register();
  await other.login();
});
after(() => server?.close());

describe('the event log', () => {
  it('has this month and the two after it from the start', async () => {
    const now = new Date();
    const names = await partitions();
    for (const n of [0, 1, 2]) assert.ok(names.includes(monthName(monthsFrom(now, n))), `${names}`);
  });

  it('makes partitions ahead as months pass and drops those past the retention', async () => {
    const later = monthsFrom(new Date(), 20);
    const plan = await maintainPartitions(server.pool, { now: later, monthsAhead: 2, retentionMonths: 3 });
    assert.deepEqual(
      plan.created,
      [0, 1, 2].map((n) => monthName(monthsFrom(later, n))),
    );
    // Everything wholly older than three months before `later` is gone, the rest kept.
    for (const name of plan.kept) assert.ok(name >= monthName(monthsFrom(later, -3)), name);
    assert.ok(plan.detached.includes(monthName(new Date())), JSON.stringify(plan));
    // Running it again changes nothing; and back at today, this month is made again.
    assert.deepEqual(
      (await maintainPartitions(server.pool, { now: later, monthsAhead: 2, retentionMonths: 3 })).created,
      [],
    );
    const today = await maintainEventLog(server.pool, { monthsAhead: 2, retentionMonths: 12 });
    assert.ok(today?.kept.includes(monthName(new Date())));
  });

  it("answers a user's entries in seq order, and none of another user's", async () => {
    for (const text of ['a', 'b', 'c']) {
      const r = await user.inject({
        method: 'POST',
        url: '/api/v1/context',
        headers: user.auth,
        payload: user.record('contexts', text),
      });
      assert.equal(r.statusCode, 201, r.body);
    }
    type Log = { events: { seq: number; type: string }[]; latest: number };
    // Each write's notice reaches the log just after the write answers.
    const { events, latest } = await waitFor(async () => {
      const log = await user.inject({ method: 'GET', url: '/api/v1/notifications/log?after=0', headers: user.auth });
      assert.equal(log.statusCode, 200, log.body);
      const body = log.json() as Log;
      return body.events.filter((e) => e.type === 'audit.appended').length >= 3 && body;
    }, 10_000);
    const seqs = events.map((e) => e.seq);
    assert.deepEqual(
      seqs,
      [...seqs].sort((x, y) => x - y),
    );
    assert.equal(latest, seqs.at(-1));
    const theirs = await other.inject({ method: 'GET', url: '/api/v1/notifications/log', headers: other.auth });
    const otherSeqs = new Set((theirs.json() as { events: { seq: number }[] }).events.map((e) => e.seq));
    for (const s of seqs) assert.ok(!otherSeqs.has(s), 'another user never sees these');
    const bad = await user.inject({ method: 'GET', url: '/api/v1/notifications/log?after=-1', headers: user.auth });
    assert.equal(bad.statusCode, 400);
    assert.equal(bad.json().error.code, 'AURA_INVALID_INPUT');
  });

  it('counts events by type per user per day in user_activity_summary once refreshed', async () => {
    await maintainEventLog(server.pool, { monthsAhead: 2, retentionMonths: 12 });
    const { rows } = await server.pool.query<{ total_events: string; event_types: string[] }>(
      'SELECT total_events, event_types FROM user_activity_summary WHERE user_id = $1',
      [user.userId],
    );
    const counted = await server.pool.query<{ n: string }>('SELECT count(*) AS n FROM events WHERE user_id = $1', [
      user.userId,
    ]);
    assert.equal(rows.length, 1, 'one day of activity');
    assert.equal(rows[0]?.total_events, counted.rows[0]?.n);
    assert.ok(rows[0]?.event_types.includes('audit.appended'));
  });

  it('a WebSocket upgrade with a bad cursor is refused in JSON, not upgraded', async () => {
    const r = await user.inject({
      method: 'GET',
      url: '/api/v1/notifications/connect?after=yesterday',
      headers: {
        ...user.auth,
        connection: 'Upgrade',
        upgrade: 'websocket',
        'sec-websocket-version': '13',
        'sec-websocket-key': 'dGhlIHNhbXBsZSBub25jZQ==',
      },
    });
    assert.equal(r.statusCode, 400, r.body);
    assert.equal(r.json().error.code, 'AURA_INVALID_INPUT');
  });
});
