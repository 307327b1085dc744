// npm run bench:http — the HTTP path, under autocannon running in its own process (load.mjs).
// The server runs as `npm start` runs it (packages/server/scripts/start.mjs: the built
// dist/main.mjs, logging at info) on a fresh database; the baseline is a bare Fastify app
// (bare.mjs) on the same Node, measured in the same run: rounds of the bare app's /health,
// Aura's /health and Aura's /api/v1/context, each ratio to the bare app of its round, the median
// of the rounds judged against the target. Each load also says what it cost the CPU per
// request: the server process, PostgreSQL's backends for this database, and autocannon.
// Targets (issue #20): GET /health >= 0.5x the bare app; an authenticated GET /api/v1/context
// >= 0.3x the bare app's /health; server RSS idle <= 100 MiB and under load <= 250 MiB.
// Flags: --quick (short loads), --profile (instead of the ratios: the server under node
// --cpu-prof, each load's time by layer and by function, per request; docs/decisions/0019),
// --keep-profiles (with --profile: leaves the .cpuprofile files and says where), --functions=N
// (with --profile: how many functions to list, 25 by default), --source (the
// server's TypeScript through tsx, as the tests run it, instead of the build).
import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { freshDatabase, httpInject, NPM_START, spawnServer, TestUser } from '@aura/testing';
import { summarise } from './profile.ts';

const quick = process.argv.includes('--quick');
const profiling = process.argv.includes('--profile');
const keep = process.argv.includes('--keep-profiles');
const fromSource = process.argv.includes('--source');
const FUNCTIONS = Number(process.argv.find((a) => a.startsWith('--functions='))?.split('=')[1] ?? 25);
const seconds = quick ? 3 : 6;
const warmup = quick ? 2 : 3;
const CONNECTIONS = 16;
const ROUNDS = quick ? 2 : 3;
const IDLE_SECONDS = 20;

const root = fileURLToPath(new URL('../..', import.meta.url));
const fmt = (n: number, d = 0) => n.toLocaleString('en-US', { minimumFractionDigits: d, maximumFractionDigits: d });

interface Load {
  /** Mean of autocannon's per-second samples. */
  rps: number;
  p99: number;
  requests: number;
  /** CPU per request (µs) of the server process, of PostgreSQL's processes and of autocannon's. */
  cpu: { server: number; postgres: number; autocannon: number };
  /** The monotonic clock (µs) when the load ran: the profile's window. */
  fromUs: number;
  toUs: number;
}

const TICK_US = 1e6 / 100; // USER_HZ: /proc's CPU times are in hundredths of a second

/**
 * CPU used so far (µs) by the process `pid`, or by each PostgreSQL backend serving `database`
 * (other databases' backends, other suites', do not count).
 */
function cpuOf(which: { database: string } | { pid: number }): Map<number, number> {
  const pids =
    'pid' in which
      ? [which.pid]
      : readdirSync('/proc')
          .filter((p) => /^\d+$/.test(p))
          .map(Number);
  const used = new Map<number, number>();
  for (const pid of pids) {
    try {
      const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
      const close = stat.lastIndexOf(')');
      if ('database' in which) {
        if (stat.slice(stat.indexOf('(') + 1, close) !== 'postgres') continue;
        const title = readFileSync(`/proc/${pid}/cmdline`, 'utf8');
        if (!title.split(' ').includes(which.database)) continue;
      }
      const fields = stat.slice(close + 2).split(' ');
      used.set(pid, (Number(fields[11]) + Number(fields[12])) * TICK_US);
    } catch {
      // gone meanwhile
    }
  }
  return used;
}

/** CPU used between two readings; a process started meanwhile counts whole. */
const cpuSince = (before: Map<number, number>, after: Map<number, number>) =>
  [...after].reduce((sum, [pid, us]) => sum + us - (before.get(pid) ?? 0), 0);

/** autocannon in a process of its own (load.mjs), against the server `pid`. */
async function load(url: string, headers: Record<string, string>, duration: number, pid: number): Promise<Load> {
  const database = new URL(db.url).pathname.slice(1);
  const [server, postgres] = [cpuOf({ pid }), cpuOf({ database })];
  const fromUs = Number(process.hrtime.bigint() / 1000n);
  const args = [join(root, 'bench/http/load.mjs'), url, String(CONNECTIONS), String(duration), JSON.stringify(headers)];
  const child = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'inherit'] });
  let out = '';
  child.stdout.on('data', (d) => {
    out += String(d);
  });
  const [code] = await once(child, 'exit');
  const toUs = Number(process.hrtime.bigint() / 1000n);
  if (code !== 0) throw new Error(`autocannon exited with ${code}`);
  const result = JSON.parse(out);
  if (result.failures) throw new Error(`${url}: ${result.failures} requests failed`);
  const per = (us: number) => us / result.requests;
  return {
    rps: result.rps,
    p99: result.p99,
    requests: result.requests,
    cpu: {
      server: per(cpuSince(server, cpuOf({ pid }))),
      postgres: per(cpuSince(postgres, cpuOf({ database }))),
      autocannon: per(result.cpuUs),
    },
    fromUs,
    toUs,
  };
}

/** A load, after a shorter one whose numbers are thrown away (JIT, pool, caches). */
async function measure(pid: number, url: string, headers: Record<string, string> = {}): Promise<Load> {
  await load(url, headers, warmup, pid);
  return load(url, headers, seconds, pid);
}

function rssMiB(pid: number): { rss: number; peak: number } {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kib = (field: string) => Number(status.match(new RegExp(`${field}:\\s+(\\d+)`))?.[1] ?? 0);
  return { rss: kib('VmRSS') / 1024, peak: kib('VmHWM') / 1024 };
}

/** The highest RSS seen while `work` runs, sampled every 100 ms. */
async function sampledRss<T>(pid: number, work: () => Promise<T>): Promise<[T, number]> {
  let highest = rssMiB(pid).rss;
  const timer = setInterval(() => {
    highest = Math.max(highest, rssMiB(pid).rss);
  }, 100);
  try {
    const result = await work();
    return [result, Math.max(highest, rssMiB(pid).rss)];
  } finally {
    clearInterval(timer);
  }
}

async function startBare(nodeArgs: string[], args: string[] = []): Promise<{ child: ChildProcess; url: string }> {
  const child = spawn(process.execPath, [...nodeArgs, join(root, 'bench/http/bare.mjs'), ...args], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const [line] = await once(child.stdout as NodeJS.ReadableStream, 'data');
  const url = String(line).match(/listening on (\S+)/)?.[1];
  if (!url) throw new Error(`the bare app said: ${line}`);
  return { child, url };
}

async function stop(child: ChildProcess, signal: NodeJS.Signals = 'SIGTERM') {
  const exited = once(child, 'exit');
  child.kill(signal);
  await exited;
}

/** Where the profile of a process that wrote one into `dir` says its time went, per request. */
function printProfile(name: string, dir: string, run: Load) {
  const file = readdirSync(dir).find((f) => f.endsWith('.cpuprofile'));
  if (!file) throw new Error(`no profile in ${dir}`);
  const summary = summarise(join(dir, file), run.fromUs, run.toUs, run.requests, root, FUNCTIONS);
  console.log(
    `${name}: ${fmt(run.rps)} req/s under the profiler, ${fmt(run.requests)} requests; its main thread busy ${fmt((100 * summary.busyMs) / summary.windowMs)}% of ${fmt(summary.windowMs / 1000, 1)} s`,
  );
  console.log(`  ${'layer (self: its own code; inside: and what it called)'.padEnd(58)} self µs/req  inside µs/req`);
  for (const l of summary.layers)
    console.log(`  ${l.layer.padEnd(58)} ${fmt(l.selfUs, 1).padStart(11)}  ${fmt(l.insideUs, 1).padStart(13)}`);
  console.log(`  ${'all (not idle)'.padEnd(58)} ${fmt((1000 * summary.busyMs) / run.requests, 1).padStart(11)}`);
  console.log('  functions by self time, µs per request');
  for (const f of summary.functions) console.log(`  ${fmt(f.selfUs, 2).padStart(7)}  ${f.name}`);
  console.log('');
}

const profileDir = (name: string) => mkdtempSync(join(tmpdir(), `aura-http-${name}-`));
const profileArgs = (dir: string) => ['--cpu-prof', `--cpu-prof-dir=${dir}`, '--cpu-prof-interval=250'];

const db = await freshDatabase();
console.log(
  `Aura HTTP benchmark — node ${process.version}, autocannon -c ${CONNECTIONS} for ${seconds} s after ${warmup} s of warm-up, PostgreSQL (${db.kind}), the server ${fromSource ? 'from its TypeScript through tsx' : 'built, as npm start runs it'}${profiling ? ', under --cpu-prof' : ''}\n`,
);

const serverProfile = profiling ? profileDir('server') : undefined;
const server = await spawnServer(
  {
    DATABASE_URL: db.url,
    // npm start's defaults, but for the allowance: the benchmark is one account asking fast.
    AURA_LOG_LEVEL: 'info',
    AURA_LOG_FORMAT: 'json',
    AURA_RATE_LIMIT_DEFAULT: '1000000000',
  },
  60_000,
  [
    ...(serverProfile ? profileArgs(serverProfile) : []),
    ...(fromSource ? ['--import', 'tsx', join(root, 'packages/server/src/main.ts')] : NPM_START),
  ],
);
const pid = server.child.pid ?? 0;
// Just after start, and idle: V8 gives back what start-up left some seconds after the one
// collection main.ts asks for (memory.ts), while nothing runs.
const started = rssMiB(pid).rss;
if (!serverProfile) await new Promise((r) => setTimeout(r, IDLE_SECONDS * 1000));
const idle = rssMiB(pid).rss;
const user = await new TestUser(httpInject(server.url)).register();
await user.login();
const context = `${server.url}/api/v1/context`;
const probe = await fetch(context, { headers: user.auth });
if (probe.status !== 200) throw new Error(`GET /api/v1/context answered ${probe.status}: ${await probe.text()}`);

if (serverProfile) {
  const bareProfile = profileDir('bare');
  const bare = await startBare(profileArgs(bareProfile));
  const bareHealth = await measure(bare.child.pid ?? 0, `${bare.url}/health`);
  await stop(bare.child);
  const storageProfile = profileDir('bare-als');
  const storage = await startBare(profileArgs(storageProfile), ['--async-local-storage']);
  const storageHealth = await measure(storage.child.pid ?? 0, `${storage.url}/health`);
  await stop(storage.child);
  const health = await measure(pid, `${server.url}/health`);
  const listed = await measure(pid, context, user.auth);
  await stop(server.child, 'SIGINT');
  printProfile('bare Fastify GET /health', bareProfile, bareHealth);
  printProfile(
    'bare Fastify GET /health, an AsyncLocalStorage in use (as DBOS makes one)',
    storageProfile,
    storageHealth,
  );
  printProfile('Aura GET /health', serverProfile, health);
  printProfile('Aura GET /api/v1/context (authenticated)', serverProfile, listed);
  const dirs = [bareProfile, storageProfile, serverProfile];
  if (keep) console.log(`The profiles (for Chrome's DevTools): ${dirs.join(', ')}`);
  else for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
} else {
  const bare = await startBare([]);
  const barePid = bare.child.pid ?? 0;
  const loads = {
    bare: () => load(`${bare.url}/health`, {}, seconds, barePid),
    health: () => load(`${server.url}/health`, {}, seconds, pid),
    context: () => load(context, user.auth, seconds, pid),
  };
  // Each load once first, its numbers thrown away (JIT, the pool, caches).
  for (const [url, headers, of] of [
    [`${bare.url}/health`, {}, barePid],
    [`${server.url}/health`, {}, pid],
    [context, user.auth, pid],
  ] as const)
    await load(url, headers, warmup, of);
  // Round by round, so that what else the machine does meanwhile weighs on both sides of a ratio.
  const rounds: { bare: Load; health: Load; context: Load }[] = [];
  const [, loaded] = await sampledRss(pid, async () => {
    for (let i = 0; i < ROUNDS; i++)
      rounds.push({ bare: await loads.bare(), health: await loads.health(), context: await loads.context() });
  });
  await stop(bare.child);
  const peak = rssMiB(pid).peak;
  await stop(server.child);

  const median = (values: number[]) => {
    const sorted = values.sort((a, b) => a - b);
    const middle = sorted.length / 2;
    return Number.isInteger(middle)
      ? ((sorted[middle - 1] ?? 0) + (sorted[middle] ?? 0)) / 2
      : (sorted[Math.floor(middle)] ?? 0);
  };
  const ratio = (of: 'health' | 'context') => median(rounds.map((r) => r[of].rps / r.bare.rps));
  const rows: [string, (r: (typeof rounds)[number]) => Load, 'health' | 'context' | undefined][] = [
    ['bare Fastify GET /health', (r) => r.bare, undefined],
    ['Aura GET /health', (r) => r.health, 'health'],
    ['Aura GET /api/v1/context, authenticated', (r) => r.context, 'context'],
  ];
  console.log(`  ${'round'.padEnd(46)}    req/s     p99  ratio   CPU µs per request: server  PostgreSQL  autocannon`);
  rounds.forEach((round, i) => {
    for (const [name, pick, of] of rows) {
      const r = pick(round);
      console.log(
        `  ${`${i + 1}  ${name}`.padEnd(46)} ${fmt(r.rps).padStart(8)}  ${`${fmt(r.p99)} ms`.padStart(6)}  ${of ? `${fmt(r.rps / round.bare.rps, 2)}x` : '     '}  ${fmt(r.cpu.server, 1).padStart(26)}  ${fmt(r.cpu.postgres, 1).padStart(10)}  ${fmt(r.cpu.autocannon, 1).padStart(10)}`,
      );
    }
  });
  console.log(
    `\n  median ratio to the bare app in the same round: GET /health ${fmt(ratio('health'), 3)}x, GET /api/v1/context ${fmt(ratio('context'), 3)}x`,
  );
  console.log('\nServer memory (its own process, /proc)');
  console.log(`  just after start       ${fmt(started)} MiB RSS`);
  console.log(`  idle ${IDLE_SECONDS} s after start ${fmt(idle)} MiB RSS`);
  console.log(`  highest under load     ${fmt(loaded)} MiB RSS (VmHWM over the run ${fmt(peak)} MiB)`);

  console.log('\nTargets');
  const check = (name: string, ok: boolean) => console.log(`  ${ok ? 'met    ' : 'MISSED '} ${name}`);
  check(`GET /health >= 0.5x the bare Fastify app (${fmt(ratio('health'), 3)}x)`, ratio('health') >= 0.5);
  check(
    `authenticated GET /api/v1/context >= 0.3x the bare app (${fmt(ratio('context'), 3)}x)`,
    ratio('context') >= 0.3,
  );
  check(`server RSS idle <= 100 MiB (${fmt(idle)} MiB)`, idle <= 100);
  check(`server RSS under load <= 250 MiB (${fmt(loaded)} MiB)`, loaded <= 250);
}
await server.exited;
await db.drop();
