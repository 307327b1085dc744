// npm run bench:client — the SDK's costs against the raw server figures of the same run.
import { AuraClient, MemoryStateStore } from '../../packages/client/src/index.ts';
import { migrate } from '../../packages/server/src/db/migrate.ts';
import { createPool } from '../../packages/server/src/db/pool.ts';
import { freshDatabase } from '../../packages/server/test/support/database.ts';
import { spawnServer } from '../../packages/server/test/support/process.ts';
import { percentile, throughput } from '../support.ts';

const quick = process.argv.includes('--quick');
const seconds = quick ? 3 : 8;
const median = (xs: number[]) => percentile(xs, 50);

const db = await freshDatabase();
const pool = createPool(db.url);
await migrate(pool);
await pool.end();
const server = await spawnServer({ DATABASE_URL: db.url, AURA_RATE_LIMIT_DEFAULT: '100000000' });
console.log(
  `Aura client benchmark — node ${process.version}, PostgreSQL (${db.kind}), ${quick ? 'quick' : 'full'} mode\n`,
);

const registerMs: number[] = [];
const loginMs: number[] = [];
const email = `bench-${Date.now()}@example.com`;
let client: AuraClient | undefined;
for (let i = 0; i < (quick ? 1 : 3); i++) {
  const c = await AuraClient.open({ server: server.url, store: new MemoryStateStore() });
  let t = performance.now();
  await c.register(`${i}-${email}`, 'bench password');
  registerMs.push(performance.now() - t);
  const fresh = await AuraClient.open({ server: server.url, store: new MemoryStateStore() });
  t = performance.now();
  await fresh.login(`${i}-${email}`, 'bench password');
  loginMs.push(performance.now() - t);
  client = fresh;
}
if (!client) throw new Error('no client');
console.log('Account (Argon2id t=3, m=64 MiB on the client)');
console.log(`  register (derives twice: register, then log in)  median ${median(registerMs).toFixed(0)} ms`);
console.log(`  log in                                           median ${median(loginMs).toFixed(0)} ms`);

// Records: the SDK seals, indexes and stores; the raw figure posts ready-made bodies.
const text = 'Lunch with John on Friday at noon to talk about the budget, bring the printed notes. '.repeat(3);
const sdkRate = await throughput(seconds, 8, async () => {
  await client.vault.put('contexts', { text, type: 'note' });
});
// Search round trip over the records just written (the SDK decrypts and checks every hit).
const ready = await client.vault.put('contexts', { text, type: 'note' });
const wire = await client.api.request<Record<string, unknown>>('GET', `/api/v1/context/${ready.id}`);
const tokens = wire.searchTokens as string[];
const sdkSearch: number[] = [];
const rawSearch: number[] = [];
for (let i = 0; i < (quick ? 30 : 100); i++) {
  let t = performance.now();
  await client.api.request('POST', '/api/v1/context/search', { tokens: tokens.slice(0, 1), limit: 100 });
  rawSearch.push(performance.now() - t);
  t = performance.now();
  await client.vault.search('contexts', 'budget');
  sdkSearch.push(performance.now() - t);
}
console.log('\nSearch round trip, one word (up to 100 hits; the SDK also decrypts and checks each)');
console.log(
  `  raw server  p50 ${percentile(rawSearch, 50).toFixed(2)} ms   p99 ${percentile(rawSearch, 99).toFixed(2)} ms`,
);
console.log(
  `  SDK         p50 ${percentile(sdkSearch, 50).toFixed(2)} ms   p99 ${percentile(sdkSearch, 99).toFixed(2)} ms   (${(percentile(sdkSearch, 50) / percentile(rawSearch, 50)).toFixed(1)}x at p50)`,
);

// Copies of one ciphertext under new ids would not open (their AD names another id), so they go
// to a second account that the SDK never reads.
const other = await AuraClient.open({ server: server.url, store: new MemoryStateStore() });
await other.register(`raw-${email}`, 'bench password');
const rawBody = {
  encryptedData: wire.encryptedData,
  searchTokens: wire.searchTokens,
  checksum: wire.checksum,
  nonce: wire.nonce,
};
const rawRate = await throughput(seconds, 8, async () => {
  await other.api.request('POST', '/api/v1/context', { id: crypto.randomUUID(), ...rawBody });
});
console.log(`\nRecords stored (${text.length}-character notes, 8 at a time)`);
console.log(`  raw server (pre-encrypted bodies)  ${rawRate.toFixed(0).padStart(6)} records/s   baseline`);
console.log(
  `  SDK: seal + index + store + check  ${sdkRate.toFixed(0).padStart(6)} records/s   cost ${(rawRate / sdkRate).toFixed(2)}x`,
);

server.child.kill('SIGTERM');
await server.exited;
await db.drop();
