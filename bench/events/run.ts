// npm run bench:events — the event bus and the notification WebSocket.
//  1. Events per second end to end (published, confirmed, consumed) through RabbitMQ
//     (AMQP_URL, default 127.0.0.1:5672) against the in-process bus, same run, same events.
//  2. WebSocket fan-out: 1,000 notification sockets of one account connected to a real server
//     process (`npm start`'s entry point, on PostgreSQL); per round one write, and the time from
//     sending it to each socket's frame for it. Target (issue 15): p99 <= 100 ms.
//  3. The blob cache: a hit in Redis (REDIS_URL, default 127.0.0.1:6379) and in process against
//     a PostgreSQL read of the same encrypted blob, at 4 KiB and 256 KiB.
// Flags: --events=N (default 20000), --clients=N (default 1000), --rounds=N (default 20).
import { randomUUID } from 'node:crypto';
import type { BusEvent } from '@aura/protocol';
import { createPool } from '@aura/server';
import { freshDatabase, httpInject, RABBITMQ_URL, REDIS_URL, spawnServer, TestUser, waitFor } from '@aura/testing';
import { Redis } from 'ioredis';
import WebSocket from 'ws';
import { type BlobCache, MemoryBlobCache } from '../../packages/server/src/cache/blob-cache.ts';
import { RedisBlobCache } from '../../packages/server/src/cache/redis-cache.ts';
import type { EventBus } from '../../packages/server/src/events/bus.ts';
import { MemoryEventBus } from '../../packages/server/src/events/memory-bus.ts';
import { RabbitMqEventBus } from '../../packages/server/src/events/rabbitmq-bus.ts';
import { percentile } from '../support.ts';

const arg = (name: string, fallback: number) =>
  Number(process.argv.find((a) => a.startsWith(`--${name}=`))?.split('=')[1] ?? fallback);
const EVENTS = arg('events', 20_000);
const CLIENTS = arg('clients', 1000);
const ROUNDS = arg('rounds', 20);
const IN_FLIGHT = 256;

console.log(`Aura events benchmark — node ${process.version}\n`);

async function eventsPerSecond(bus: EventBus): Promise<number> {
  const userId = randomUUID();
  let received = 0;
  const subscription = await bus.subscribe(`user.${userId}.#`, () => {
    received++;
  });
  const event = (i: number): BusEvent => ({
    id: randomUUID(),
    seq: i + 1,
    type: 'audit.appended',
    userId,
    at: new Date().toISOString(),
    notice: { type: 'audit', index: i, eventType: 'vault', action: 'store', result: 'success', actorType: 'device' },
  });
  const start = performance.now();
  let next = 0;
  await Promise.all(
    Array.from({ length: IN_FLIGHT }, async () => {
      while (next < EVENTS) await bus.publish(event(next++));
    }),
  );
  await waitFor(
    () => received >= EVENTS,
    120_000,
    () => `${received} of ${EVENTS} consumed`,
    5,
  );
  const rate = EVENTS / ((performance.now() - start) / 1000);
  await subscription.close();
  return rate;
}

const memory = await eventsPerSecond(new MemoryEventBus());
const rabbit = await RabbitMqEventBus.connect({ url: RABBITMQ_URL, processName: 'bench' });
const amqpRate = await eventsPerSecond(rabbit);
await rabbit.close();
console.log(`Events end to end (${EVENTS}, ${IN_FLIGHT} publishes in flight, confirmed and consumed):`);
console.log(`  in-process bus   ${memory.toFixed(0).padStart(9)} events/s   (baseline)`);
console.log(
  `  RabbitMQ         ${amqpRate.toFixed(0).padStart(9)} events/s   ${(amqpRate / memory).toFixed(3)}x the in-process bus\n`,
);

// 2. Fan-out to connected sockets, through a real server process and its in-process bus.
const db = await freshDatabase();
const server = await spawnServer({ DATABASE_URL: db.url, AURA_RATE_LIMIT_DEFAULT: '1000000' });
try {
  const user = await new TestUser(httpInject(server.url)).register();
  await user.login();
  const url = `${server.url.replace(/^http/, 'ws')}/api/v1/notifications/connect`;
  const arrivals = new Map<number, number[]>();
  let round = 0;
  const sockets = await Promise.all(
    Array.from(
      { length: CLIENTS },
      () =>
        new Promise<WebSocket>((resolve, reject) => {
          const socket = new WebSocket(url, { headers: user.auth });
          socket.on('message', (data) => {
            const frame = JSON.parse(String(data)) as { type: string; event?: { type: string } };
            if (frame.type === 'hello') return resolve(socket);
            if (frame.event?.type === 'audit.appended') arrivals.get(round)?.push(performance.now());
          });
          socket.on('error', reject);
        }),
    ),
  );
  const latencies: number[] = [];
  for (round = 1; round <= ROUNDS; round++) {
    arrivals.set(round, []);
    const sent = performance.now();
    const stored = await user.inject({
      method: 'POST',
      url: '/api/v1/context',
      headers: user.auth,
      payload: user.record('contexts', `round ${round}`),
    });
    if (stored.statusCode !== 201) throw new Error(`write failed: ${stored.body}`);
    await waitFor(() => (arrivals.get(round)?.length ?? 0) >= CLIENTS, 30_000, undefined, 1);
    for (const at of arrivals.get(round) ?? []) latencies.push(at - sent);
  }
  for (const s of sockets) s.terminate();
  const p50 = percentile(latencies, 50);
  const p99 = percentile(latencies, 99);
  console.log(`WebSocket fan-out: ${CLIENTS} sockets, ${ROUNDS} writes, from sending the write to each frame:`);
  console.log(`  p50 ${p50.toFixed(1)} ms   p99 ${p99.toFixed(1)} ms   max ${Math.max(...latencies).toFixed(1)} ms`);
  console.log(`  target p99 <= 100 ms: ${p99 <= 100 ? 'met' : 'NOT met'}`);

  // 3. The same blob from the cache and from PostgreSQL (the row the vault stores it in).
  const pool = createPool(db.url, 4);
  const connection = new Redis(REDIS_URL, { enableOfflineQueue: false });
  const redis = new RedisBlobCache(connection);
  await waitFor(async () => {
    await redis.set('bench:ready', '1', 5);
    return (await redis.get('bench:ready')) === '1';
  }, 10_000);
  const time = async (n: number, work: () => Promise<unknown>) => {
    const samples: number[] = [];
    for (let i = 0; i < n; i++) {
      const t = performance.now();
      await work();
      samples.push(performance.now() - t);
    }
    return { p50: percentile(samples, 50), p99: percentile(samples, 99) };
  };
  console.log('\nThe blob cache, one read of one encrypted blob (2,000 reads each):');
  for (const kib of [4, 256]) {
    const blob = Buffer.alloc(kib * 1024, 7).toString('base64');
    const id = randomUUID();
    await pool.query('CREATE TABLE IF NOT EXISTS bench_blobs (id uuid PRIMARY KEY, data bytea NOT NULL)');
    await pool.query('INSERT INTO bench_blobs VALUES ($1, $2)', [id, Buffer.from(blob, 'base64')]);
    const memory: BlobCache = new MemoryBlobCache();
    await memory.set(id, blob, 600);
    await redis.set(id, blob, 600);
    const pg = await time(2000, () => pool.query('SELECT data FROM bench_blobs WHERE id = $1', [id]));
    const hitRedis = await time(2000, () => redis.get(id));
    const hitMemory = await time(2000, () => memory.get(id));
    const row = (name: string, r: { p50: number; p99: number }) =>
      `  ${name.padEnd(26)} p50 ${r.p50.toFixed(3).padStart(7)} ms   p99 ${r.p99.toFixed(3).padStart(7)} ms   ${(pg.p50 / r.p50).toFixed(2)}x faster at p50`;
    console.log(`  ${kib} KiB:`);
    console.log(
      `  ${'PostgreSQL read'.padEnd(26)} p50 ${pg.p50.toFixed(3).padStart(7)} ms   p99 ${pg.p99.toFixed(3).padStart(7)} ms   (baseline)`,
    );
    console.log(row('Redis hit', hitRedis));
    console.log(row('in-process hit', hitMemory));
    await redis.delete(id);
  }
  connection.disconnect();
  await pool.end();
} finally {
  server.child.kill('SIGTERM');
  await server.exited;
  await db.drop();
}
