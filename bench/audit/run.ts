// npm run bench:audit — the Merkle audit log: appends per second against a plain insert of the
// same entries, and proof generation (server, PostgreSQL) and verification (client) at
// 10k, 100k and 1M entries. Targets (issue #20): >= 5,000 appends/s with 16 users and >= 2,000/s
// for one user (appends are group-committed: packages/server/src/audit/log.ts); proof generation
// p99 <= 2 ms and verification <= 1 ms at 1M entries. Flags: --quick (10k only), --max=N.
import { randomUUID } from 'node:crypto';
import { cpus } from 'node:os';
import { AuditLog, createPool, loadLogSigner, migrate } from '@aura/server';
import { freshDatabase } from '@aura/testing';
import {
  leafHash,
  nodeHash,
  rangeHash,
  verifyConsistency,
  verifyInclusion,
} from '../../packages/crypto/src/merkle/index.ts';
import { machineCpuSeconds, percentile, postgresCpuSeconds, throughput } from '../support.ts';

const quick = process.argv.includes('--quick');
const maxArg = process.argv.find((a) => a.startsWith('--max='));
const max = quick ? 10_000 : Number(maxArg?.split('=')[1] ?? 1_000_000);
const sizes = [10_000, 100_000, 1_000_000].filter((n) => n <= max);
const seconds = quick ? 3 : 6;

const db = await freshDatabase();
const pool = createPool(db.url, 20);
await migrate(pool);
const log = new AuditLog(pool, await loadLogSigner(pool, 'bench-log', 'bench.local/audit'));
console.log(
  `Aura audit-log benchmark — node ${process.version}, PostgreSQL (${db.kind}), ${quick ? 'quick' : 'full'} mode\n`,
);

async function newUser(): Promise<string> {
  const id = randomUUID();
  await pool.query(
    `INSERT INTO users (id, email, kdf_seed, kdf_params, srp_verifier, wrapped_account_key, account_key_id)
     VALUES ($1, $2, '\\x00', '{}', '\\x00', '\\x00', '\\x00')`,
    [id, `${id}@bench.local`],
  );
  return id;
}

// --- Appends: one log per user; 16 users appending at once, and one user alone.
await pool.query(
  `CREATE TABLE plain_events (user_id uuid, idx bigserial, entry jsonb, created_at timestamptz DEFAULT now())`,
);
const users = await Promise.all(Array.from({ length: 16 }, newUser));
const event = (i: number) => ({
  eventType: 'bench',
  actorId: 'bench',
  actorType: 'system' as const,
  action: `event ${i}`,
  result: 'success' as const,
});
let i = 0;
const plain = await throughput(seconds, 16, (w) =>
  pool.query('INSERT INTO plain_events (user_id, entry) VALUES ($1, $2)', [users[w], JSON.stringify(event(i++))]),
);
// Where the CPU goes (the floor): this process (the server's part: hashing, signing, pg's
// protocol), PostgreSQL's backends of this database, and the machine's cores all told.
const database = new URL(db.url).pathname.slice(1);
const before = { self: process.cpuUsage(), postgres: postgresCpuSeconds(database), machine: machineCpuSeconds() };
const many = await throughput(seconds, 16, (w) => log.append(users[w] as string, event(i++)));
const spent = {
  self: (process.cpuUsage(before.self).user + process.cpuUsage(before.self).system) / 1e6,
  postgres: postgresCpuSeconds(database) - before.postgres,
  busy: machineCpuSeconds().busy - before.machine.busy,
};
const appended = many * seconds;
const single = await throughput(seconds, 4, () => log.append(users[0] as string, event(i++)));
console.log('Appends (entry + tree nodes + signed checkpoint; concurrent appends share a batch)');
console.log(`  plain INSERT of the same entries, 16 writers     ${plain.toFixed(0).padStart(6)} /s   baseline`);
console.log(
  `  Merkle log, 16 users appending at once           ${many.toFixed(0).padStart(6)} /s   cost ${(plain / many).toFixed(2)}x`,
);
console.log(
  `  Merkle log, one user, 4 writers                  ${single.toFixed(0).padStart(6)} /s   cost ${(plain / single).toFixed(2)}x`,
);
const us = (cpuSeconds: number) => `${((cpuSeconds * 1e6) / appended).toFixed(0)} µs`;
console.log(
  `  CPU an append, 16 users: this process ${us(spent.self)}, PostgreSQL ${us(spent.postgres)}, the machine ${us(spent.busy)} ` +
    `(${(spent.busy / seconds).toFixed(2)} of ${cpus().length} cores busy)`,
);

// --- Proofs at size N: a synthetic log whose perfect subtrees are written in bulk.
console.log('\nProofs (server: generation from PostgreSQL; client: verification)');
console.log(
  '    entries   inclusion gen p50/p99 ms   consistency gen p50/p99 ms   inclusion verify p50/p99 ms   consistency verify p50/p99 ms',
);
const results: { size: number; gen99: number; ver99: number }[] = [];
for (const size of sizes) {
  const userId = await newUser();
  const started = performance.now();
  let level: Uint8Array[] = Array.from({ length: size }, (_, k) => leafHash(new TextEncoder().encode(`entry ${k}`)));
  const leaves = level;
  const levels: Uint8Array[][] = [];
  for (let l = 0; level.length > 0; l++) {
    levels.push(level);
    for (let from = 0; from < level.length; from += 100_000) {
      const chunk = level.slice(from, from + 100_000);
      await pool.query(
        'INSERT INTO audit_nodes (user_id, level, idx, hash) SELECT $1, $2, * FROM unnest($3::bigint[], $4::bytea[])',
        [userId, l, chunk.map((_, k) => from + k), chunk.map((h) => Buffer.from(h))],
      );
    }
    const next: Uint8Array[] = [];
    for (let k = 0; k + 1 < level.length; k += 2)
      next.push(nodeHash(level[k] as Uint8Array, level[k + 1] as Uint8Array));
    level = next;
  }
  const node = (lv: number, ix: number): Uint8Array => levels[lv]?.[ix] as Uint8Array;
  const root = rangeHash(node, 0, size);
  await pool.query('INSERT INTO audit_logs (user_id, size) VALUES ($1, $2)', [userId, size]);
  await pool.query('INSERT INTO audit_checkpoints (user_id, size, root, note) VALUES ($1, $2, $3, $4)', [
    userId,
    size,
    Buffer.from(root),
    'bench',
  ]);
  // A real log's nodes were written over months: the bulk load's vacuum and dirty pages are
  // settled first, so they do not run in the background of the timed proofs.
  await pool.query('VACUUM (ANALYZE) audit_nodes');
  await pool.query('CHECKPOINT').catch(() => {}); // needs a superuser; without one, only the vacuum
  const loaded = ((performance.now() - started) / 1000).toFixed(0);

  const genInc: number[] = [];
  const genCon: number[] = [];
  const verInc: number[] = [];
  const verCon: number[] = [];
  // Enough for a p99 that is not the third-slowest of a few hundred.
  const runs = quick ? 300 : 2000;
  for (let r = 0; r < runs; r++) {
    const index = Math.floor(Math.random() * size);
    let t = performance.now();
    const inc = (await log.inclusion(userId, index, size)).map((p) => new Uint8Array(Buffer.from(p, 'base64')));
    genInc.push(performance.now() - t);
    t = performance.now();
    if (!verifyInclusion(leaves[index] as Uint8Array, index, size, inc, root)) throw new Error('inclusion failed');
    verInc.push(performance.now() - t);
    const from = 1 + Math.floor(Math.random() * (size - 1));
    t = performance.now();
    const con = (await log.consistency(userId, from, size)).map((p) => new Uint8Array(Buffer.from(p, 'base64')));
    genCon.push(performance.now() - t);
    const oldRoot = rangeHash(node, 0, from);
    t = performance.now();
    if (!verifyConsistency(from, size, con, oldRoot, root)) throw new Error('consistency failed');
    verCon.push(performance.now() - t);
  }
  const f = (xs: number[]) => `${percentile(xs, 50).toFixed(2)} / ${percentile(xs, 99).toFixed(2)}`;
  // The floor of a proof's tail: a round trip to PostgreSQL that does nothing, as many times.
  const nothing: number[] = [];
  for (let r = 0; r < 2 * runs; r++) {
    const t = performance.now();
    await pool.query({ name: 'bench-nothing', text: 'SELECT 1' });
    nothing.push(performance.now() - t);
  }
  console.log(
    `${String(size).padStart(11)}   ${f(genInc).padStart(20)}       ${f(genCon).padStart(20)}         ${f(verInc).padStart(20)}          ${f(verCon).padStart(20)}   (built in ${loaded} s; SELECT 1 ${f(nothing)} ms)`,
  );
  results.push({
    size,
    gen99: Math.max(percentile(genInc, 99), percentile(genCon, 99)),
    ver99: Math.max(percentile(verInc, 99), percentile(verCon, 99)),
  });
}

console.log('\nTargets');
const check = (name: string, ok: boolean) => console.log(`  ${ok ? 'met    ' : 'MISSED '} ${name}`);
check(
  `>= 5,000 appends/s with 16 users (${many.toFixed(0)}/s; ${(many / plain).toFixed(2)}x the plain INSERT of this run)`,
  many >= 5000,
);
check(
  `>= 2,000 appends/s for one user (${single.toFixed(0)}/s; ${(single / plain).toFixed(2)}x the plain INSERT of this run)`,
  single >= 2000,
);
const top = results.find((r) => r.size === 1_000_000);
if (top) {
  check(`proof generation p99 <= 2 ms at 1M (${top.gen99.toFixed(2)} ms)`, top.gen99 <= 2);
  check(`proof verification <= 1 ms at 1M (p99 ${top.ver99.toFixed(3)} ms)`, top.ver99 <= 1);
}
await pool.end();
await db.drop();
