// npm run bench:server — the server against baselines measured in the same run.
// Targets (issue #3): vault writes and search <= 1.5x a plaintext table of the same shape;
// search p99 <= 20 ms at 1M records. Issue #20: SRP logins over HTTP >= 0.5x the server's handshake
// rate on one core, measured in this run (bench/srp.ts); vault writes over HTTP <= 4x the plaintext
// table (creates sent at once share a transaction: packages/server/src/db/group-commit.ts).
// Flags: --quick (10k records only, short runs), --max=N (largest table size, default 1000000).
import { randomBytes, randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { AuditLog, createPool, loadLogSigner, migrate } from '@aura/server';
import { freshDatabase, httpInject, spawnServer, TestUser } from '@aura/testing';
import pg from 'pg';
import { indexTerms } from '../../packages/crypto/src/index.ts';
import { CursorCodec } from '../../packages/server/src/modules/vault/cursor.ts';
import { VaultRepository } from '../../packages/server/src/modules/vault/repository.ts';
import { opsPerSecond, serverHandshake } from '../srp.ts';
import { percentile, throughput } from '../support.ts';

const quick = process.argv.includes('--quick');
const maxArg = process.argv.find((a) => a.startsWith('--max='));
const maxRecords = quick ? 10_000 : Number(maxArg?.split('=')[1] ?? 1_000_000);
const sizes = [10_000, 100_000, 1_000_000].filter((n) => n <= maxRecords);
const seconds = quick ? 3 : 8;

const fmt = (n: number, d = 1) => n.toFixed(d);

function rssOf(pid: number): { rss: number; peak: number } {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kib = (field: string) => Number(status.match(new RegExp(`${field}:\\s+(\\d+)`))?.[1] ?? 0);
  return { rss: kib('VmRSS') / 1024, peak: kib('VmHWM') / 1024 };
}

const db = await freshDatabase();
const pool = createPool(db.url, 16);
await migrate(pool);
console.log(
  `Aura server benchmark — node ${process.version}, PostgreSQL (${db.kind}), ${quick ? 'quick' : 'full'} mode\n`,
);

// The plaintext baseline: the same shape, with readable type, data and keywords.
await pool.query(`CREATE TABLE plaintext_contexts (
  id uuid PRIMARY KEY, user_id uuid NOT NULL, context_type text, data text NOT NULL, embedding bytea,
  keywords text[] NOT NULL DEFAULT '{}', data_checksum bytea NOT NULL, nonce bytea NOT NULL, version integer NOT NULL DEFAULT 1,
  created_at timestamptz NOT NULL DEFAULT now(), updated_at timestamptz NOT NULL DEFAULT now(), expires_at timestamptz)`);
await pool.query('CREATE INDEX plaintext_contexts_user ON plaintext_contexts (user_id, created_at, id)');
await pool.query('CREATE INDEX plaintext_contexts_keywords ON plaintext_contexts USING gin (keywords)');

const server = await spawnServer({
  DATABASE_URL: db.url,
  AURA_RATE_LIMIT_DEFAULT: '100000000',
  AURA_LOGIN_FAILURES_BEFORE_BACKOFF: '1000000',
});
// A run that fails midway must not leave its server running (it holds a database and a port).
process.on('exit', () => server.child.kill('SIGTERM'));
const pid = server.child.pid ?? 0;
const idle = rssOf(pid);
const user = await new TestUser(httpInject(server.url)).register();
await user.login();

// --- Writes: 1 KiB plaintext, sealed by the client, over HTTP; and the repository vs the plaintext table.
console.log('Vault writes, 1 KiB records with their index terms (about 80 tokens or keywords each)');
const note = 'x'.repeat(1024);
// Each write is a record of its own: its id is bound into the envelope's associated data and the
// device-signed change, so a body cannot be sent twice under another id. Made before the clock
// starts (more on the fly if the run outpaces them), so the client's sealing is not timed.
const newBody = () => JSON.stringify(user.record('contexts', `${note} meeting john friday`));
const bodies = Array.from({ length: quick ? 4000 : 12_000 }, newBody);
let next = 0;
const httpWrites = await throughput(seconds, 16, async () => {
  const body = bodies[next++] ?? newBody();
  const res = await fetch(`${server.url}/api/v1/context`, {
    method: 'POST',
    headers: { ...user.auth, 'content-type': 'application/json' },
    body,
  });
  if (res.status !== 201) throw new Error(`write failed: ${res.status} ${await res.text()}`);
});
const underLoad = rssOf(pid);

const audit = new AuditLog(pool, await loadLogSigner(pool, 'bench-log', 'bench.local/audit'));
const repo = new VaultRepository(pool, 'contexts', audit, new CursorCodec(randomBytes(32)));
// Records of their own (those above are stored), written as the device that signed them: the
// repository checks each signed change against the device's key, as it does for the route.
const newRecord = () => JSON.parse(newBody());
const records = Array.from({ length: quick ? 6000 : 20_000 }, newRecord);
let r = 0;
const repoWrites = await throughput(seconds, 16, async () => {
  const { id, ...fields } = records[r++] ?? newRecord();
  await repo.create({ userId: user.userId, deviceId: user.deviceId }, id, fields);
});
// Same shape: the plaintext row carries the words and prefixes themselves where Aura has tokens.
const plainText = `${note} meeting john friday`;
const keywords = indexTerms(plainText, { prefixMin: 3 });
const plainWrites = await throughput(seconds, 16, async () => {
  await pool.query(
    `INSERT INTO plaintext_contexts (id, user_id, context_type, data, keywords, data_checksum, nonce)
     VALUES ($1, $2, $3, $4, $5, $6, $7)`,
    [randomUUID(), user.userId, 'note', plainText, keywords, Buffer.alloc(32), Buffer.alloc(24)],
  );
});
console.log(`  plaintext table (SQL)        ${fmt(plainWrites, 0).padStart(7)} writes/s   baseline`);
console.log(
  `  Aura vault repository (SQL)  ${fmt(repoWrites, 0).padStart(7)} writes/s   cost ${fmt(plainWrites / repoWrites, 2)}x`,
);
console.log(
  `  Aura over HTTP, end to end   ${fmt(httpWrites, 0).padStart(7)} writes/s   cost ${fmt(plainWrites / httpWrites, 2)}x`,
);

// --- Search: blind-index tokens vs plaintext keywords, same distribution, one user's N records.
console.log('\nSearch latency (one token, newest 100 matches), per table size');
console.log('   records   plaintext p50/p99 ms   Aura SQL p50/p99 ms   ratio p99   Aura HTTP p50/p99 ms');
// The records belong to the benchmark's logged-in user, so SQL and HTTP search the same rows.
const searchUser = user.userId;
const VOCABULARY = 50_000;
const searchResults: { size: number; ratioP99: number; sqlP99: number; httpP99: number }[] = [];
let filled = 0;
const admin = new pg.Client({ connectionString: db.url });
await admin.connect();
for (const size of sizes) {
  const started = performance.now();
  // Each record: ~1 KiB of bytes and 12 tokens from a 50k-word vocabulary (4-byte tokens / words).
  for (let from = filled; from < size; from += 50_000) {
    const to = Math.min(size, from + 50_000);
    await admin.query(
      `INSERT INTO encrypted_user_contexts (id, user_id, encrypted_data, search_tokens, data_checksum, nonce, created_at, updated_at)
       SELECT gen_random_uuid(), $1, decode(repeat(md5(i::text), 32), 'hex'),
              ARRAY(SELECT int4send((abs(hashint4(i * 16 + k)) % ${VOCABULARY})) FROM generate_series(1, 12) k),
              '\\x00', '\\x00', now() - make_interval(secs => i), now() - make_interval(secs => i)
         FROM generate_series($2::int, $3::int - 1) i`,
      [searchUser, from, to],
    );
    await admin.query(
      `INSERT INTO plaintext_contexts (id, user_id, data, keywords, data_checksum, nonce, created_at, updated_at)
       SELECT gen_random_uuid(), $1, repeat(md5(i::text), 32),
              ARRAY(SELECT 'w' || (abs(hashint4(i * 16 + k)) % ${VOCABULARY})::text FROM generate_series(1, 12) k),
              '\\x00', '\\x00', now() - make_interval(secs => i), now() - make_interval(secs => i)
         FROM generate_series($2::int, $3::int - 1) i`,
      [searchUser, from, to],
    );
  }
  filled = size;
  // Both tables vacuumed alike: flushes the GIN pending lists, as autovacuum would in steady state.
  await admin.query('VACUUM ANALYZE encrypted_user_contexts');
  await admin.query('VACUUM ANALYZE plaintext_contexts');
  const loadSeconds = (performance.now() - started) / 1000;

  const queries = quick ? 200 : 500;
  const words = Array.from({ length: queries }, (_, i) => (i * 7919) % VOCABULARY);
  const time = async (fn: (w: number) => Promise<unknown>) => {
    const samples: number[] = [];
    for (const w of words.slice(0, 20)) await fn(w); // warm
    for (const w of words) {
      const t = performance.now();
      await fn(w);
      samples.push(performance.now() - t);
    }
    return samples.sort((a, b) => a - b);
  };
  const tokenOf = (w: number) => {
    const b = Buffer.alloc(4);
    b.writeInt32BE(w);
    return b;
  };
  const plain = await time((w) =>
    pool.query(
      `SELECT * FROM plaintext_contexts WHERE user_id = $1 AND keywords @> $2::text[] AND (expires_at IS NULL OR expires_at > now())
       ORDER BY updated_at DESC LIMIT 100`,
      [searchUser, [`w${w}`]],
    ),
  );
  const searchRepo = new VaultRepository(pool, 'contexts', audit, new CursorCodec(randomBytes(32)));
  const aura = await time((w) => searchRepo.search(searchUser, [tokenOf(w).toString('base64')], 'all', 100));
  const http = await time(async (w) => {
    const res = await fetch(`${server.url}/api/v1/context/search`, {
      method: 'POST',
      headers: { ...user.auth, 'content-type': 'application/json' },
      body: JSON.stringify({ tokens: [tokenOf(w).toString('base64')], limit: 100 }),
    });
    await res.arrayBuffer();
  });
  searchResults.push({
    size,
    ratioP99: percentile(aura, 99) / percentile(plain, 99),
    sqlP99: percentile(aura, 99),
    httpP99: percentile(http, 99),
  });
  console.log(
    `${String(size).padStart(10)}   ${fmt(percentile(plain, 50), 2).padStart(8)} / ${fmt(percentile(plain, 99), 2).padEnd(8)}` +
      `    ${fmt(percentile(aura, 50), 2).padStart(7)} / ${fmt(percentile(aura, 99), 2).padEnd(8)}` +
      `    ${fmt(percentile(aura, 99) / percentile(plain, 99), 2).padStart(5)}x` +
      `    ${fmt(percentile(http, 50), 2).padStart(7)} / ${fmt(percentile(http, 99), 2)}` +
      `    (loaded in ${fmt(loadSeconds, 0)} s)`,
  );
}
await admin.end();

// --- SRP logins over HTTP: init, client proof, verify (the client's Argon2id is done once, outside the loop).
console.log('\nSRP logins over HTTP (client proof computed in the benchmark process, on the same 2 cores)');
const healthRate = await throughput(seconds, 8, async () => {
  await (await fetch(`${server.url}/health`)).arrayBuffer();
});
const loginUser = await new TestUser(httpInject(server.url)).register();
await loginUser.login(); // derives and caches the master key path once
const loginRate = await throughput(seconds, 8, async () => {
  const res = await loginUser.loginWithCachedKey();
  if (res.statusCode !== 200) throw new Error(`login failed: ${res.body}`);
});
// The baseline: the server's SRP work alone, on one core of this process, in this run.
const handshakeRate = opsPerSecond(serverHandshake(), quick ? 300 : 1000);
console.log(`  GET /health (HTTP floor)     ${fmt(healthRate, 0).padStart(6)} req/s`);
console.log(`  SRP handshake, one core      ${fmt(handshakeRate, 0).padStart(6)} /s   baseline (no HTTP, no database)`);
console.log(
  `  SRP logins                   ${fmt(loginRate, 0).padStart(6)} logins/s   (${fmt(loginRate / handshakeRate, 2)}x the handshake; ${fmt(healthRate / loginRate, 1)}x the cost of /health)`,
);

const end = rssOf(pid);
console.log('\nServer memory (separate process, /proc)');
console.log(`  idle after start  ${fmt(idle.rss, 0)} MiB RSS`);
console.log(`  after write load  ${fmt(underLoad.rss, 0)} MiB RSS`);
console.log(`  peak over the run ${fmt(end.peak, 0)} MiB (VmHWM)`);

console.log('\nTargets');
const check = (name: string, ok: boolean) => console.log(`  ${ok ? 'met    ' : 'MISSED '} ${name}`);
check(
  `vault write cost <= 1.5x plaintext at the SQL layer (${fmt(plainWrites / repoWrites, 2)}x)`,
  plainWrites / repoWrites <= 1.5,
);
check(
  `vault writes over HTTP <= 4x the plaintext table (${fmt(plainWrites / httpWrites, 2)}x: ${fmt(httpWrites, 0)}/s against ${fmt(plainWrites, 0)}/s)`,
  plainWrites / httpWrites <= 4,
);
for (const r of searchResults) {
  check(`search p99 <= 1.5x plaintext at ${r.size} records, SQL layer (${fmt(r.ratioP99, 2)}x)`, r.ratioP99 <= 1.5);
}
const largest = searchResults[searchResults.length - 1];
if (largest?.size === 1_000_000) {
  check(`search p99 <= 20 ms at 1M records, SQL layer (${fmt(largest.sqlP99, 2)} ms)`, largest.sqlP99 <= 20);
  check(
    `search p99 <= 20 ms at 1M records, over HTTP with auth (${fmt(largest.httpP99, 2)} ms)`,
    largest.httpP99 <= 20,
  );
}
check(
  `SRP logins over HTTP >= 0.5x the handshake on one core (${fmt(loginRate, 0)}/s, ${fmt(loginRate / handshakeRate, 2)}x of ${fmt(handshakeRate, 0)}/s)`,
  loginRate >= 0.5 * handshakeRate,
);

server.child.kill('SIGTERM');
await server.exited;
await pool.end();
await db.drop();
