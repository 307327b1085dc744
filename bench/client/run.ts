// npm run bench:client — the SDK's costs against the raw server figures of the same run.

import { createPool, migrate } from '@aura/server';
import { freshDatabase, spawnServer } from '@aura/testing';
import { AuraClient, MemoryStateStore } from '../../packages/client/src/index.ts';
import { signVaultChange } from '../../packages/client/src/vault.ts';
import {
  blindIndexTokens,
  blindSearchTokens,
  deriveBlindIndexKey,
  deriveCollectionKey,
  openEnvelope,
  readEnvelopeHeader,
  sealEnvelope,
  sha256,
} from '../../packages/crypto/src/index.ts';
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
  client = c; // the registering install is an enrolled device: it can sign changes
}
if (!client) throw new Error('no client');
console.log('Account (Argon2id t=3, m=64 MiB on the client)');
console.log(`  register (derives twice: register, then log in)  median ${median(registerMs).toFixed(0)} ms`);
console.log(`  log in                                           median ${median(loginMs).toFixed(0)} ms`);

// The SDK's write and read paths without the signed-history checks (docs/decisions/0008), built
// here from the same crypto calls: seal, index, sign the change (the server requires one), post,
// open the answer. What the SDK adds on top is the ledger: remembering its log entries, replaying
// the log, checking each record's version and hash, completeness, and hidden-result probes.
const b64 = (b: Uint8Array) => Buffer.from(b).toString('base64');
function fromBase64(s: string) {
  return new Uint8Array(Buffer.from(s, 'base64'));
}

/** A new record's request body, sealed, indexed and signed as the SDK does it, for `account`. */
async function writerFor(account: AuraClient) {
  const session = account.session;
  if (!session?.deviceId) throw new Error('the benchmark account needs an enrolled device');
  const { deviceId, userId } = session;
  const signer = { deviceId, secretKey: fromBase64((await account.device()).signing.secretKey) };
  const accountKey = account.accountKey();
  const dataKey = deriveCollectionKey(accountKey, 'contexts', 1);
  const tokenKey = deriveBlindIndexKey(accountKey, 'contexts', 'text');
  const body = (data: { text: string; type?: string }) => {
    const id = crypto.randomUUID();
    const envelope = sealEnvelope(
      dataKey,
      { userId, collection: 'contexts', recordId: id },
      new TextEncoder().encode(JSON.stringify({ v: 1, data })),
      { pad: true },
    );
    const tokens = blindIndexTokens(tokenKey, [data.text, data.type].filter(Boolean).join(' '), { prefixMin: 3 });
    const hash = b64(sha256(envelope));
    const change = signVaultChange(signer, {
      op: 'put',
      collection: 'contexts',
      recordId: id,
      version: 1,
      hash,
      tokens,
    });
    return {
      id,
      encryptedData: b64(envelope),
      searchTokens: tokens.map(b64),
      checksum: hash,
      nonce: b64(readEnvelopeHeader(envelope).nonce),
      change,
    };
  };
  // Opened and parsed, as the SDK does for every record it returns.
  const open = (wire: { id: string; encryptedData: string }) =>
    JSON.parse(
      new TextDecoder().decode(
        openEnvelope(dataKey, { userId, collection: 'contexts', recordId: wire.id }, fromBase64(wire.encryptedData)),
      ),
    );
  return { userId, dataKey, tokenKey, body, open };
}

const writer = await writerFor(client);
const { tokenKey } = writer;
const uncheckedBody = (noteText: string) => writer.body({ text: noteText, type: 'note' });
const openWire = writer.open;

const text = 'Lunch with John on Friday at noon to talk about the budget, bring the printed notes. '.repeat(3);
const rates: { checked: number[]; unchecked: number[] } = { checked: [], unchecked: [] };
const unchecked = () =>
  throughput(seconds, 8, async () => {
    openWire(
      await client.api.request<{ id: string; encryptedData: string }>('POST', '/api/v1/context', uncheckedBody(text)),
    );
  });
const checked = () => throughput(seconds, 8, () => client.vault.put('contexts', { text, type: 'note' }));
// Alternating which goes first, so neither always meets the smaller table and log.
for (let round = 0; round < (quick ? 1 : 4); round++) {
  if (round % 2 === 0) {
    rates.unchecked.push(await unchecked());
    rates.checked.push(await checked());
  } else {
    rates.checked.push(await checked());
    rates.unchecked.push(await unchecked());
  }
}
const storeCost = median(rates.unchecked) / median(rates.checked);
console.log(`\nRecords stored (${text.length}-character notes, 8 at a time, median of ${rates.checked.length} runs)`);
console.log(
  `  without the checks (seal, index, sign, store, open)  ${median(rates.unchecked).toFixed(0).padStart(6)} records/s   baseline`,
);
console.log(
  `  SDK with the signed-history checks                   ${median(rates.checked).toFixed(0).padStart(6)} records/s   cost ${storeCost.toFixed(2)}x  (target <= 1.2x: ${storeCost <= 1.2 ? 'met' : 'missed'})`,
);

// Search round trip over the records just written.
const sdkSearch: number[] = [];
const rawSearch: number[] = [];
const searchTokens = blindSearchTokens(tokenKey, 'budget').map(b64);
// The first read after the writes above replays every change they logged: timed on its own.
let catchUp = performance.now();
await client.vault.search('contexts', 'budget');
catchUp = performance.now() - catchUp;
console.log(
  `\nFirst read after the writes (replays the ${client.ledger.size} log entries once): ${catchUp.toFixed(0)} ms`,
);
for (let i = 0; i < (quick ? 30 : 100); i++) {
  let t = performance.now();
  const page = await client.api.request<{ records: { id: string; encryptedData: string }[] }>(
    'POST',
    '/api/v1/context/search',
    { tokens: searchTokens, limit: 500 },
  );
  for (const wire of page.records) openWire(wire);
  rawSearch.push(performance.now() - t);
  t = performance.now();
  await client.vault.search('contexts', 'budget');
  sdkSearch.push(performance.now() - t);
}
console.log('\nSearch round trip, one word (up to 500 of the records above match)');
const searchCost = percentile(sdkSearch, 50) / percentile(rawSearch, 50);
console.log(
  `  without the checks (search, open each)  p50 ${percentile(rawSearch, 50).toFixed(2)} ms   p99 ${percentile(rawSearch, 99).toFixed(2)} ms`,
);
console.log(
  `  SDK with the checks                     p50 ${percentile(sdkSearch, 50).toFixed(2)} ms   p99 ${percentile(sdkSearch, 99).toFixed(2)} ms   cost ${searchCost.toFixed(2)}x at p50  (target <= 1.2x: ${searchCost <= 1.2 ? 'met' : 'missed'})`,
);

// A large vault on a fresh account: written without the SDK (fast), then listed by a device that
// replays the history once, then listed again with the history already in hand.
const big = quick ? 2_000 : 10_000;
const bulk = await AuraClient.open({ server: server.url, store: new MemoryStateStore() });
await bulk.register(`bulk-${email}`, 'bench password');
const bulkWriter = await writerFor(bulk);
let written = 0;
await Promise.all(
  Array.from({ length: 8 }, async () => {
    while (written < big) {
      written++;
      await bulk.api.request('POST', '/api/v1/context', bulkWriter.body({ text: `note ${written} about the project` }));
    }
  }),
);
let t = performance.now();
const first = await bulk.vault.list('contexts');
const firstMs = performance.now() - t;
const listMs: number[] = [];
const rawListMs: number[] = [];
for (let i = 0; i < 3; i++) {
  t = performance.now();
  let cursor: string | null = null;
  do {
    const page: { records: { id: string; encryptedData: string }[]; nextCursor: string | null } =
      await bulk.api.request('GET', `/api/v1/context?limit=500${cursor ? `&cursor=${cursor}` : ''}`);
    for (const wire of page.records) bulkWriter.open(wire);
    cursor = page.nextCursor;
  } while (cursor);
  rawListMs.push(performance.now() - t);
  t = performance.now();
  await bulk.vault.list('contexts');
  listMs.push(performance.now() - t);
}
const verifyMs = median(listMs) - median(rawListMs);
console.log(`\nA list of ${first.length} records (median of 3)`);
console.log(
  `  without the checks (pages, open and parse each)   ${median(rawListMs).toFixed(0).padStart(6)} ms   baseline`,
);
console.log(
  `  SDK with the checks                     ${median(listMs).toFixed(0).padStart(6)} ms   verification ${verifyMs.toFixed(0)} ms (target <= 200 ms at 10,000: ${verifyMs <= 200 ? 'met' : 'missed'})`,
);
console.log(`  first list on a new device (replays ${big} signed changes once)  ${firstMs.toFixed(0)} ms`);

server.child.kill('SIGTERM');
await server.exited;
await db.drop();
