// npm run bench:soak — a bounded soak of a real Aura server: `npm start`'s entry point in its own
// process (so its RSS is its own) on a fresh PostgreSQL database, driven open-loop by a fixed
// timetable of mixed requests. Per window (10 s): latency percentiles, answers, the server's RSS;
// at the end the last window against the baseline window measured in the same run (drift).
// Not part of npm test or npm run bench: it runs ten minutes by default.
//
// Flags (or environment):
//   --minutes N       AURA_SOAK_MINUTES    how long the load runs (default 10; rounded to whole windows)
//   --rate N          AURA_SOAK_RATE       requests started per second (default 300)
//   --window S        AURA_SOAK_WINDOW     seconds per reported window (default 10)
//   --warmup S        AURA_SOAK_WARMUP     seconds before the baseline window (default: 10% of the
//                                          run, at most 60 s, rounded up to whole windows, >= 1 window)
//   --max-inflight N  AURA_SOAK_INFLIGHT   requests in flight at most; one due beyond it is dropped (256)
//   --users N         AURA_SOAK_USERS      accounts sharing the load (default 4)
//   --mix K=W,…       AURA_SOAK_MIX        change weights of the mix below (0 leaves a kind out)
//   --out PATH        AURA_SOAK_OUT        the JSON result (default bench/soak/results/latest.json)
//
// Latency is measured from the time a request was due on the timetable, not from when it was
// sent, so a server (or load generator) that falls behind shows it instead of hiding it.
// The run fails (exit 1) on: any 5xx; any transport error or timeout; any answer other than the
// one its request expects (a 409 or 429 means the mix or the set-up is wrong, not the load);
// the server exiting; or RSS growth: last-window RSS > 2x the baseline window's (the first
// window after warm-up). Dropped requests (the in-flight cap reached) do not fail the run; the
// summary says the rate was not sustained.
import { randomUUID } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, totalmem } from 'node:os';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { freshDatabase, httpInject, spawnServer, TestUser } from '@aura/testing';
import { machineCpuSeconds, postgresCpuSeconds } from '../support.ts';

// --- Options.

const OPTIONS = {
  minutes: ['AURA_SOAK_MINUTES', 10],
  rate: ['AURA_SOAK_RATE', 300],
  window: ['AURA_SOAK_WINDOW', 10],
  warmup: ['AURA_SOAK_WARMUP', Number.NaN],
  'max-inflight': ['AURA_SOAK_INFLIGHT', 256],
  users: ['AURA_SOAK_USERS', 4],
} as const satisfies Record<string, readonly [string, number]>;
const TEXT_OPTIONS = ['out', 'mix'];

function usage(problem: string): never {
  console.error(`bench:soak: ${problem}`);
  console.error(
    `flags: ${[...Object.keys(OPTIONS), ...TEXT_OPTIONS].map((f) => `--${f}`).join(' ')} (see bench/soak/run.ts)`,
  );
  process.exit(2);
}

const flags = new Map<string, string>();
{
  const args = process.argv.slice(2);
  for (let i = 0; i < args.length; i++) {
    const arg = args[i] ?? '';
    const match = arg.match(/^--([a-z-]+)(?:=(.*))?$/);
    const name = match?.[1];
    if (!name || !(name in OPTIONS || TEXT_OPTIONS.includes(name))) usage(`unknown argument "${arg}"`);
    const value = match?.[2] ?? args[++i];
    if (value === undefined) usage(`--${name} needs a value`);
    flags.set(name, value);
  }
}

function option(name: keyof typeof OPTIONS): number {
  const [env, fallback] = OPTIONS[name];
  const raw = flags.get(name) ?? process.env[env];
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!Number.isFinite(value) || value <= 0) usage(`--${name} (${env}) must be a positive number, got "${raw}"`);
  return value;
}

const minutes = option('minutes');
const rate = option('rate');
const windowSeconds = option('window');
const maxInflight = Math.floor(option('max-inflight'));
const userCount = Math.floor(option('users'));
const windowMs = windowSeconds * 1000;
// A whole number of windows, so the last window (the one compared) is as long as the others.
const windowCount = Math.max(1, Math.round((minutes * 60_000) / windowMs));
const durationMs = windowCount * windowMs;
const warmupArg = option('warmup');
const warmupWindows = Math.max(
  1,
  Math.ceil((Number.isNaN(warmupArg) ? Math.min(60, (durationMs / 1000) * 0.1) : warmupArg) / windowSeconds),
);
const here = dirname(fileURLToPath(import.meta.url));
const outPath = resolve(flags.get('out') ?? process.env.AURA_SOAK_OUT ?? `${here}/results/latest.json`);
const REQUEST_TIMEOUT_MS = 10_000;
const SEED_RECORDS = 100; // per user, before the load starts

// --- The server's process: RSS, peak RSS and CPU time from /proc.

const CLOCK_TICKS = 100; // USER_HZ on Linux
interface ProcSample {
  rssMiB: number;
  peakMiB: number;
  cpuSeconds: number;
}
function sampleProc(pid: number): ProcSample {
  try {
    return readProc(pid);
  } catch {
    return { rssMiB: Number.NaN, peakMiB: Number.NaN, cpuSeconds: Number.NaN }; // it has exited
  }
}
function readProc(pid: number): ProcSample {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kib = (field: string) => Number(status.match(new RegExp(`${field}:\\s+(\\d+)`))?.[1] ?? Number.NaN);
  // Fields after the command name (which may hold spaces): utime and stime are the 12th and 13th.
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  const ticks = Number(fields[11] ?? 0) + Number(fields[12] ?? 0);
  return { rssMiB: kib('VmRSS') / 1024, peakMiB: kib('VmHWM') / 1024, cpuSeconds: ticks / CLOCK_TICKS };
}

// --- Statistics.

interface Latency {
  n: number;
  p50: number;
  p90: number;
  p99: number;
  max: number;
}
/** Nearest-rank percentiles, as bench/support.ts's percentile(), from one sort. */
function latency(samples: number[]): Latency {
  const sorted = Float64Array.from(samples).sort();
  const at = (p: number) => sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? 0;
  return { n: sorted.length, p50: at(50), p90: at(90), p99: at(99), max: sorted[sorted.length - 1] ?? 0 };
}
const fmt = (n: number, d = 1) => (Number.isFinite(n) ? n.toFixed(d) : '—');
const ratio = (a: number, b: number) => (b > 0 ? a / b : Number.NaN);

// --- Content: a vocabulary of made-up words, so searches match a known share of records.

let seed = 0x5eed;
const random = () => {
  // mulberry32: a reproducible mix of requests for a given set of flags.
  seed = (seed + 0x6d2b79f5) | 0;
  let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
  t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
  return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
};
const pick = <T>(items: readonly T[]): T => items[Math.floor(random() * items.length)] as T;
const SYLLABLES = ['ka', 'lo', 'mi', 'ne', 'ru', 'sa', 'ti', 'vo', 'be', 'da', 'fi', 'go', 'hu', 'je', 'pa', 'zo'];
const VOCABULARY = Array.from({ length: 200 }, (_, i) =>
  [i % 16, (i >> 4) % 16, (i * 7) % 16].map((s) => SYLLABLES[s]).join(''),
);
const note = () => Array.from({ length: 20 + Math.floor(random() * 40) }, () => pick(VOCABULARY)).join(' ');

// --- Accounts and their records.

interface Rec {
  id: string;
  version: number;
}
interface Account {
  user: TestUser;
  /** Records no request is using; a request takes one out and puts it back when answered. */
  idle: Rec[];
  /** The largest audit-log size the server has told (aura-log-size). */
  logSize: number;
  tokens: Map<string, string[]>;
  badChecksum: string;
}
function takeRecord(account: Account): Rec | undefined {
  const { idle } = account;
  if (idle.length === 0) return undefined;
  const i = Math.floor(random() * idle.length);
  const rec = idle[i] as Rec;
  idle[i] = idle[idle.length - 1] as Rec;
  idle.pop();
  return rec;
}

// --- The requests.

type Kind =
  | 'create'
  | 'get'
  | 'list'
  | 'update'
  | 'delete'
  | 'search'
  | 'audit-entries'
  | 'audit-leaves'
  | 'audit-checkpoint'
  | 'session'
  | 'devices'
  | 'health'
  | 'malformed';
/** The mix, in percent of requests. Creates slightly outnumber deletes: the vault grows slowly. */
const DEFAULT_MIX: readonly [Kind, number][] = [
  ['create', 8],
  ['get', 16],
  ['list', 8],
  ['update', 8],
  ['delete', 6],
  ['search', 16],
  ['audit-entries', 3],
  ['audit-leaves', 3],
  ['audit-checkpoint', 2],
  ['session', 10],
  ['devices', 6],
  ['health', 8],
  ['malformed', 6],
];
// --mix kind=weight,… (AURA_SOAK_MIX) changes some weights, e.g. to soak one route alone.
const MIX: readonly [Kind, number][] = (() => {
  const weights = new Map(DEFAULT_MIX);
  const raw = flags.get('mix') ?? process.env.AURA_SOAK_MIX ?? '';
  for (const part of raw.split(',').filter(Boolean)) {
    const [kind = '', weight = ''] = part.split('=');
    if (!weights.has(kind as Kind) || !/^\d+(\.\d+)?$/.test(weight)) {
      usage(`--mix takes kind=weight,… with kinds ${[...weights.keys()].join(', ')}; got "${part}"`);
    }
    weights.set(kind as Kind, Number(weight));
  }
  const mix = [...weights].filter(([, w]) => w > 0);
  if (mix.length === 0) usage('--mix leaves no request with a weight above 0');
  return mix;
})();
const KINDS = DEFAULT_MIX.map(([kind]) => kind);

interface Plan {
  kind: Kind;
  method: string;
  path: string;
  headers: Record<string, string>;
  body?: string;
  expect: number;
  /** Called once the answer is in (ok: it was the expected one). */
  done?: (ok: boolean) => void;
}

const JSON_TYPE = { 'content-type': 'application/json' };
const CONTEXT = '/api/v1/context';

/** Requests that must be refused, each with the status it must be refused with. */
const MALFORMED: readonly ((a: Account) => Omit<Plan, 'kind'>)[] = [
  (a) => ({
    method: 'POST',
    path: CONTEXT,
    headers: { ...a.user.auth, ...JSON_TYPE },
    body: '{"id": "',
    expect: 400,
  }),
  (a) => ({
    method: 'POST',
    path: CONTEXT,
    headers: { ...a.user.auth, ...JSON_TYPE },
    body: '{"id":"nope"}',
    expect: 400,
  }),
  (a) => ({ method: 'GET', path: `${CONTEXT}/not-a-uuid`, headers: a.user.auth, expect: 400 }),
  (a) => ({ method: 'GET', path: `${CONTEXT}/${randomUUID()}`, headers: a.user.auth, expect: 404 }),
  (a) => ({
    method: 'POST',
    path: CONTEXT,
    headers: { ...a.user.auth, ...JSON_TYPE },
    body: a.badChecksum,
    expect: 400,
  }),
  (a) => ({
    method: 'POST',
    path: `${CONTEXT}/search`,
    headers: { ...a.user.auth, 'content-type': 'text/plain' },
    body: 'meeting',
    expect: 415,
  }),
  () => ({ method: 'GET', path: CONTEXT, headers: {}, expect: 401 }),
  () => ({
    method: 'GET',
    path: '/api/v1/auth/session',
    headers: { authorization: 'Bearer not.a.token' },
    expect: 401,
  }),
  (a) => ({ method: 'GET', path: '/api/v1/no-such-route', headers: a.user.auth, expect: 404 }),
];

function planFor(kind: Kind, a: Account): Plan {
  const auth = a.user.auth;
  switch (kind) {
    case 'create': {
      const body = a.user.record('contexts', note());
      return {
        kind,
        method: 'POST',
        path: CONTEXT,
        headers: { ...auth, ...JSON_TYPE },
        body: JSON.stringify(body),
        expect: 201,
        done: (ok) => {
          if (ok) a.idle.push({ id: body.id, version: 1 });
        },
      };
    }
    case 'get':
    case 'update':
    case 'delete': {
      const rec = takeRecord(a);
      if (!rec) return planFor('create', a);
      const back = () => a.idle.push(rec);
      if (kind === 'get') {
        return { kind, method: 'GET', path: `${CONTEXT}/${rec.id}`, headers: auth, expect: 200, done: back };
      }
      if (kind === 'update') {
        const { id: _id, ...fields } = a.user.record('contexts', note(), {}, rec.id, rec.version + 1);
        return {
          kind,
          method: 'PUT',
          path: `${CONTEXT}/${rec.id}`,
          headers: { ...auth, ...JSON_TYPE },
          body: JSON.stringify({ ...fields, version: rec.version }),
          expect: 200,
          done: (ok) => {
            if (ok) rec.version++;
            back();
          },
        };
      }
      return {
        kind,
        method: 'DELETE',
        path: `${CONTEXT}/${rec.id}`,
        headers: { ...auth, ...JSON_TYPE },
        body: JSON.stringify(a.user.deletion('contexts', rec.id, rec.version)),
        expect: 204,
        done: (ok) => {
          if (!ok) back();
        },
      };
    }
    case 'list':
      return { kind, method: 'GET', path: `${CONTEXT}?limit=20`, headers: auth, expect: 200 };
    case 'search': {
      const words = random() < 0.7 ? [pick(VOCABULARY)] : [pick(VOCABULARY), pick(VOCABULARY)];
      const tokens = words.flatMap((w) => a.tokens.get(w) ?? []);
      return {
        kind,
        method: 'POST',
        path: `${CONTEXT}/search`,
        headers: { ...auth, ...JSON_TYPE },
        body: JSON.stringify({ tokens, mode: random() < 0.5 ? 'all' : 'any', limit: 20 }),
        expect: 200,
      };
    }
    case 'audit-entries': {
      // A page of the history with proofs, as the SDK asks for it (at a tree size it has seen):
      // mostly the newest, now and then anywhere in the log.
      const size = Math.max(1, a.logSize);
      const start = random() < 0.7 ? Math.max(0, size - 20) : Math.floor(random() * size);
      const path = `/api/v1/audit/entries?start=${start}&limit=20&treeSize=${size}`;
      return { kind, method: 'GET', path, headers: auth, expect: 200 };
    }
    case 'audit-leaves': {
      // A syncing client reads the leaves after its verified frontier, a little behind the tail.
      const start = Math.max(0, a.logSize - 1 - Math.floor(random() * 50));
      return {
        kind,
        method: 'GET',
        path: `/api/v1/audit/leaves?start=${start}&limit=1000`,
        headers: auth,
        expect: 200,
      };
    }
    case 'audit-checkpoint':
      return { kind, method: 'GET', path: '/api/v1/audit/checkpoint', headers: auth, expect: 200 };
    case 'session':
      return { kind, method: 'GET', path: '/api/v1/auth/session', headers: auth, expect: 200 };
    case 'devices':
      return { kind, method: 'GET', path: '/api/v1/devices', headers: auth, expect: 200 };
    case 'health':
      return { kind, method: 'GET', path: '/health', headers: {}, expect: 200 };
    case 'malformed':
      return { kind, ...pick(MALFORMED)(a) };
  }
}

const CUMULATIVE = MIX.map(([kind], i) => [kind, MIX.slice(0, i + 1).reduce((s, [, w]) => s + w, 0)] as const);
const TOTAL_WEIGHT = CUMULATIVE[CUMULATIVE.length - 1]?.[1] ?? 1;
function nextKind(): Kind {
  const r = random() * TOTAL_WEIGHT;
  return (CUMULATIVE.find(([, upTo]) => r < upTo) ?? CUMULATIVE[0])?.[0] as Kind;
}

// --- One window's tally.

type Outcome = 'expected' | 'unexpected' | '5xx' | 'transport';
class Tally {
  scheduled = 0;
  dropped = 0;
  completed = 0;
  maxLagMs = 0;
  samples: number[] = [];
  outcomes: Record<Outcome, number> = { expected: 0, unexpected: 0, '5xx': 0, transport: 0 };
  /** "status code" (or "transport ECONNRESET"), expected or not, with counts. */
  answers = new Map<string, number>();
}
const bump = (map: Map<string, number>, key: string, by = 1) => map.set(key, (map.get(key) ?? 0) + by);

interface WindowRow {
  index: number;
  endSeconds: number;
  scheduled: number;
  dropped: number;
  completed: number;
  completedPerSecond: number;
  latencyMs: Latency;
  outcomes: Record<Outcome, number>;
  maxLagMs: number;
  rssMiB: number;
  peakRssMiB: number;
  /** CPU, in percent of one core: the server, its PostgreSQL backends, this load generator, all. */
  serverCpuPercent: number;
  postgresCpuPercent: number;
  clientCpuPercent: number;
  machineCpuPercent: number;
  warmup: boolean;
}

// --- Set-up: database, server, accounts with records.

const db = await freshDatabase();
let server: Awaited<ReturnType<typeof spawnServer>> | undefined;
let exitCode = 0;
try {
  server = await spawnServer({
    DATABASE_URL: db.url,
    AURA_RATE_LIMIT_DEFAULT: '1000000000',
    AURA_LOGIN_FAILURES_BEFORE_BACKOFF: '1000000',
    // Tokens outlive the run: a soak measures steady state, not a refresh storm at minute 15.
    AURA_ACCESS_TOKEN_SECONDS: String(Math.ceil(durationMs / 1000) + 3600),
  });
  exitCode = await soak(server);
} catch (error) {
  console.error(error);
  if (server) console.error(`--- server output ---\n${server.output().slice(-4000)}`);
  exitCode = 1;
} finally {
  if (server && server.child.exitCode === null) {
    server.child.kill('SIGTERM');
    await Promise.race([server.exited, new Promise((r) => setTimeout(r, 10_000))]);
    if (server.child.exitCode === null) server.child.kill('SIGKILL');
  }
  await db.drop();
}
process.exit(exitCode);

async function soak(srv: NonNullable<typeof server>): Promise<number> {
  const base = srv.url;
  const pid = srv.child.pid ?? 0;
  let serverExit: number | null | undefined;
  void srv.exited.then((code) => {
    serverExit = code;
  });
  const setupStarted = performance.now();
  console.log(
    `Aura soak — node ${process.version}, ${cpus().length} CPUs (${cpus()[0]?.model.trim() ?? '?'}), ` +
      `${fmt(totalmem() / 2 ** 30, 0)} GiB, PostgreSQL (${db.kind})`,
  );
  console.log(
    `  ${fmt(durationMs / 1000, 0)} s at ${rate} req/s open-loop, ${windowCount} windows of ${windowSeconds} s, ` +
      `warm-up ${warmupWindows} window(s), ` +
      `in-flight cap ${maxInflight}, ${userCount} users, server pid ${pid} at ${base}`,
  );

  const accounts: Account[] = [];
  for (let i = 0; i < userCount; i++) {
    const user = await new TestUser(httpInject(base)).register();
    const login = await user.login();
    if (login.statusCode !== 200) throw new Error(`login failed: ${login.body}`);
    const tokens = new Map(VOCABULARY.map((w) => [w, user.searchTokens('contexts', w)]));
    const badChecksum = JSON.stringify({
      ...user.record('contexts', note()),
      checksum: Buffer.alloc(32).toString('base64'),
    });
    accounts.push({ user, idle: [], logSize: 0, tokens, badChecksum });
  }
  // Seed records, eight at a time.
  for (const a of accounts) {
    for (let i = 0; i < SEED_RECORDS; i += 8) {
      await Promise.all(
        Array.from({ length: Math.min(8, SEED_RECORDS - i) }, async () => {
          const body = a.user.record('contexts', note());
          const res = await fetch(`${base}${CONTEXT}`, {
            method: 'POST',
            headers: { ...a.user.auth, ...JSON_TYPE },
            body: JSON.stringify(body),
          });
          if (res.status !== 201) throw new Error(`seed write failed: ${res.status} ${await res.text()}`);
          a.logSize = Math.max(a.logSize, Number(res.headers.get('aura-log-size') ?? 0));
          await res.arrayBuffer();
          a.idle.push({ id: body.id, version: 1 });
        }),
      );
    }
  }
  // Each refused request once, so a wrong expectation shows here and not as thousands of errors.
  const a0 = accounts[0] as Account;
  for (const make of MALFORMED) {
    const p = make(a0);
    const res = await fetch(`${base}${p.path}`, { method: p.method, headers: p.headers, body: p.body ?? null });
    const text = await res.text();
    if (res.status !== p.expect) {
      throw new Error(`preflight: ${p.method} ${p.path} answered ${res.status} (expected ${p.expect}): ${text}`);
    }
  }
  const idle = sampleProc(pid);
  console.log(
    `  set-up ${fmt((performance.now() - setupStarted) / 1000)} s: ${userCount * SEED_RECORDS} records; ` +
      `server idle RSS ${fmt(idle.rssMiB)} MiB\n`,
  );

  // --- The timetable.
  console.log(
    ' win    t s   due/s  done/s  drop   p50 ms   p90 ms   p99 ms   max ms     ok  unexp 5xx  xport  lag ms' +
      '  RSS MiB   CPU% server    pg  load   all',
  );

  const windows: WindowRow[] = [];
  const totals = new Tally();
  const byKind = new Map<Kind, Tally>(KINDS.map((k) => [k, new Tally()]));
  let current = new Tally();
  let inflight = 0;
  let stopping = false;
  const interrupt = () => {
    if (stopping) process.exit(130);
    console.log('\n(interrupted: stopping the timetable, draining and reporting; Ctrl-C again to quit now)');
    stopping = true;
  };
  process.on('SIGINT', interrupt);

  const record = (kind: Kind, ms: number, outcome: Outcome, answer: string) => {
    for (const t of [current, totals, byKind.get(kind) as Tally]) {
      t.completed++;
      t.samples.push(ms);
      t.outcomes[outcome]++;
      bump(t.answers, answer);
    }
  };

  const fire = async (plan: Plan, account: Account, scheduledAt: number) => {
    inflight++;
    let outcome: Outcome;
    let answer: string;
    try {
      const res = await fetch(`${base}${plan.path}`, {
        method: plan.method,
        headers: plan.headers,
        body: plan.body ?? null,
        signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS),
      });
      let code = '';
      if (res.status >= 400) {
        const text = await res.text();
        try {
          code = String((JSON.parse(text) as { error?: { code?: string } }).error?.code ?? '');
        } catch {
          code = 'not JSON';
        }
      } else {
        await res.arrayBuffer();
      }
      const size = Number(res.headers.get('aura-log-size') ?? 0);
      if (size > account.logSize) account.logSize = size;
      const ok = res.status === plan.expect;
      outcome = res.status >= 500 ? '5xx' : ok ? 'expected' : 'unexpected';
      answer = `${res.status}${code ? ` ${code}` : ''}${ok ? '' : ` (${plan.method} ${plan.kind}, expected ${plan.expect})`}`;
      plan.done?.(ok);
    } catch (error) {
      const e = error as Error & { cause?: { code?: string } };
      outcome = 'transport';
      answer = `transport ${e.name === 'TimeoutError' ? `timeout ${REQUEST_TIMEOUT_MS} ms` : (e.cause?.code ?? e.message)}`;
      plan.done?.(false);
    } finally {
      inflight--;
    }
    record(plan.kind, performance.now() - scheduledAt, outcome, answer);
  };

  const t0 = performance.now();
  const database = new URL(db.url).pathname.slice(1);
  let lastProc = sampleProc(pid);
  let lastClientCpu = process.cpuUsage();
  let lastPostgres = postgresCpuSeconds(database);
  let lastMachine = machineCpuSeconds();
  const startCpu = { server: lastProc.cpuSeconds, postgres: lastPostgres };
  let lastWindowAt = t0;
  const closeWindow = (warmup: boolean) => {
    const now = performance.now();
    const proc = sampleProc(pid);
    const clientCpu = process.cpuUsage();
    const postgres = postgresCpuSeconds(database);
    const machine = machineCpuSeconds();
    const elapsed = (now - lastWindowAt) / 1000;
    const t = current;
    const row: WindowRow = {
      index: windows.length + 1,
      endSeconds: (now - t0) / 1000,
      scheduled: t.scheduled,
      dropped: t.dropped,
      completed: t.completed,
      completedPerSecond: t.completed / elapsed,
      latencyMs: latency(t.samples),
      outcomes: t.outcomes,
      maxLagMs: t.maxLagMs,
      rssMiB: proc.rssMiB,
      peakRssMiB: proc.peakMiB,
      serverCpuPercent: ((proc.cpuSeconds - lastProc.cpuSeconds) / elapsed) * 100,
      // (A backend that ended takes its CPU time with it: a negative difference is not a measure.)
      postgresCpuPercent: postgres >= lastPostgres ? ((postgres - lastPostgres) / elapsed) * 100 : Number.NaN,
      clientCpuPercent:
        ((clientCpu.user + clientCpu.system - lastClientCpu.user - lastClientCpu.system) / 1e6 / elapsed) * 100,
      machineCpuPercent:
        ratio(machine.busy - lastMachine.busy, machine.total - lastMachine.total) * cpus().length * 100,
      warmup,
    };
    windows.push(row);
    const l = row.latencyMs;
    console.log(
      `${String(row.index).padStart(4)}${warmup ? '*' : ' '} ${fmt(row.endSeconds, 0).padStart(5)}` +
        `  ${fmt(t.scheduled / elapsed, 0).padStart(6)}  ${fmt(row.completedPerSecond, 0).padStart(6)}  ${String(t.dropped).padStart(4)}` +
        `  ${fmt(l.p50, 2).padStart(7)}  ${fmt(l.p90, 2).padStart(7)}  ${fmt(l.p99, 2).padStart(7)}  ${fmt(l.max, 1).padStart(7)}` +
        `  ${String(t.outcomes.expected).padStart(5)}  ${String(t.outcomes.unexpected).padStart(5)} ${String(t.outcomes['5xx']).padStart(3)}` +
        `  ${String(t.outcomes.transport).padStart(5)}  ${fmt(t.maxLagMs, 1).padStart(6)}  ${fmt(row.rssMiB, 1).padStart(7)}` +
        `  ${[row.serverCpuPercent, row.postgresCpuPercent, row.clientCpuPercent, row.machineCpuPercent]
          .map((c, i) => fmt(c, 0).padStart(i === 0 ? 13 : 5))
          .join(' ')}`,
    );
    current = new Tally();
    lastProc = proc;
    lastClientCpu = clientCpu;
    lastPostgres = postgres;
    lastMachine = machine;
    lastWindowAt = now;
  };

  const interval = 1000 / rate;
  const total = Math.max(1, Math.round(durationMs / interval));
  let issued = 0;
  let nextWindowAt = t0 + windowMs;
  await new Promise<void>((done) => {
    const tick = () => {
      while (issued < total && !stopping && serverExit === undefined) {
        const scheduledAt = t0 + issued * interval;
        const now = performance.now();
        if (scheduledAt > now) break;
        issued++;
        current.scheduled++;
        totals.scheduled++;
        const lag = now - scheduledAt;
        if (lag > current.maxLagMs) current.maxLagMs = lag;
        if (lag > totals.maxLagMs) totals.maxLagMs = lag;
        const kind = nextKind();
        if (inflight >= maxInflight) {
          current.dropped++;
          totals.dropped++;
          (byKind.get(kind) as Tally).dropped++;
          continue;
        }
        const account = pick(accounts);
        const plan = planFor(kind, account);
        (byKind.get(plan.kind) as Tally).scheduled++;
        void fire(plan, account, scheduledAt);
      }
      // Windows close on the timetable; the last one closes after the drain, below.
      while (performance.now() >= nextWindowAt && issued < total && !stopping) {
        closeWindow(windows.length < warmupWindows);
        nextWindowAt += windowMs;
      }
      if (issued >= total || stopping || serverExit !== undefined) return done();
      setTimeout(tick, Math.max(0, Math.min(2, t0 + issued * interval - performance.now())));
    };
    tick();
  });
  const drainUntil = performance.now() + REQUEST_TIMEOUT_MS + 1000;
  while (inflight > 0 && performance.now() < drainUntil) await new Promise((r) => setTimeout(r, 5));
  if (serverExit === undefined) closeWindow(windows.length < warmupWindows);
  process.off('SIGINT', interrupt);
  const ranSeconds = (performance.now() - t0) / 1000;

  // --- Summary.
  const overall = latency(totals.samples);
  const measured = windows.filter((w) => !w.warmup);
  const baseline = measured[0];
  const last = measured[measured.length - 1];
  const final = serverExit === undefined ? sampleProc(pid) : lastProc;
  // RSS slope over the measured windows (least squares), MiB per minute.
  const slope = (() => {
    if (measured.length < 3) return Number.NaN;
    const xs = measured.map((w) => w.endSeconds / 60);
    const ys = measured.map((w) => w.rssMiB);
    const mx = xs.reduce((s, x) => s + x, 0) / xs.length;
    const my = ys.reduce((s, y) => s + y, 0) / ys.length;
    const sxy = xs.reduce((s, x, i) => s + (x - mx) * ((ys[i] ?? 0) - my), 0);
    const sxx = xs.reduce((s, x) => s + (x - mx) ** 2, 0);
    return sxx > 0 ? sxy / sxx : Number.NaN;
  })();
  const compared = baseline !== undefined && last !== undefined && baseline !== last;
  const peakMiB = Math.max(...[final.peakMiB, ...windows.map((w) => w.peakRssMiB)].filter(Number.isFinite));
  const p99Drift = baseline && last && compared ? ratio(last.latencyMs.p99, baseline.latencyMs.p99) : Number.NaN;
  const rssDrift = baseline && last && compared ? ratio(last.rssMiB, baseline.rssMiB) : Number.NaN;

  console.log(`\n  * warm-up window (not a baseline); latency from the due time on the timetable, in ms`);
  console.log(`\nSummary (${fmt(ranSeconds, 1)} s of load)`);
  console.log(
    `  requests   ${totals.scheduled} due at ${rate}/s, ${totals.completed} answered ` +
      `(${fmt(totals.completed / ranSeconds, 1)}/s), ${totals.dropped} dropped at the in-flight cap; ` +
      `load generator lag max ${fmt(totals.maxLagMs, 1)} ms`,
  );
  // From t0 to the last window's close (after the drain).
  const perRequest = (seconds: number) => (seconds * 1000) / Math.max(1, totals.completed);
  const serverCpuMs = perRequest(lastProc.cpuSeconds - startCpu.server);
  const postgresCpuMs = lastPostgres >= startCpu.postgres ? perRequest(lastPostgres - startCpu.postgres) : Number.NaN;
  console.log(
    `  CPU        server ${fmt(serverCpuMs, 2)} ms, its PostgreSQL backends ${fmt(postgresCpuMs, 2)} ms ` +
      'per answered request',
  );
  console.log(
    `  latency    p50 ${fmt(overall.p50, 2)}  p90 ${fmt(overall.p90, 2)}  p99 ${fmt(overall.p99, 2)}  max ${fmt(overall.max, 1)} ms`,
  );
  console.log('\n  by kind            due   answered   p50 ms   p99 ms   max ms   not as expected');
  for (const [kind, t] of byKind) {
    const l = latency(t.samples);
    const bad = t.completed - t.outcomes.expected;
    console.log(
      `  ${kind.padEnd(17)}${String(t.scheduled).padStart(6)}  ${String(t.completed).padStart(9)}` +
        `  ${fmt(l.p50, 2).padStart(7)}  ${fmt(l.p99, 2).padStart(7)}  ${fmt(l.max, 1).padStart(7)}   ${bad}`,
    );
  }
  console.log('\n  answers by status and code');
  for (const [answer, n] of [...totals.answers].sort((a, b) => b[1] - a[1])) {
    console.log(`  ${String(n).padStart(9)}  ${answer}`);
  }
  console.log('\n  server RSS');
  console.log(`    idle after set-up    ${fmt(idle.rssMiB)} MiB`);
  if (baseline) console.log(`    baseline (window ${baseline.index})  ${fmt(baseline.rssMiB)} MiB`);
  if (last) console.log(`    last (window ${last.index})      ${fmt(last.rssMiB)} MiB`);
  console.log(`    peak (VmHWM)         ${fmt(peakMiB)} MiB`);
  console.log(`    slope after warm-up  ${fmt(slope, 2)} MiB/min`);
  console.log(
    `\n  drift, last window against the baseline window` +
      (baseline && last ? ` (${last.index} vs ${baseline.index})` : ''),
  );
  console.log(
    `    p99 ${fmt(baseline?.latencyMs.p99 ?? Number.NaN, 2)} -> ${fmt(last?.latencyMs.p99 ?? Number.NaN, 2)} ms   ${fmt(p99Drift, 2)}x`,
  );
  console.log(
    `    RSS ${fmt(baseline?.rssMiB ?? Number.NaN)} -> ${fmt(last?.rssMiB ?? Number.NaN)} MiB   ${fmt(rssDrift, 2)}x`,
  );

  const failures: string[] = [];
  // (Ctrl-C in a terminal reaches the server too: its exit after an interrupt is expected.)
  if (serverExit !== undefined && !stopping) {
    failures.push(`the server exited (${serverExit ?? srv.child.signalCode}) during the run`);
  }
  if (totals.outcomes['5xx']) failures.push(`${totals.outcomes['5xx']} answers were 5xx`);
  if (totals.outcomes.transport)
    failures.push(`${totals.outcomes.transport} requests failed in transport or timed out`);
  if (totals.outcomes.unexpected) failures.push(`${totals.outcomes.unexpected} answers were not the expected status`);
  if (rssDrift > 2) failures.push(`RSS grew ${fmt(rssDrift, 2)}x from the baseline window to the last (limit 2x)`);
  if (!compared) {
    console.log('\n  (the run is too short for a baseline window and a later one: drift is not measured)');
  }
  const sustained = totals.dropped === 0 && totals.completed / ranSeconds >= rate * 0.98;
  if (!sustained) {
    console.log(
      `\n  RATE NOT SUSTAINED: ${totals.dropped} dropped at the in-flight cap, ` +
        `${fmt(totals.completed / ranSeconds, 1)} of ${rate} req/s answered (reported; not a failure)`,
    );
  }
  if (stopping) failures.push('interrupted before the end of the timetable');
  console.log(
    `\n  ${failures.length ? `FAILED: ${failures.join('; ')}` : 'passed: no 5xx, no transport errors, RSS within 2x'}`,
  );

  const result = {
    benchmark: 'soak',
    finishedAt: new Date().toISOString(),
    machine: {
      node: process.version,
      cpus: cpus().length,
      cpuModel: cpus()[0]?.model.trim(),
      memoryGiB: totalmem() / 2 ** 30,
      loadAverage: loadavg(),
      postgres: db.kind,
    },
    config: {
      minutes,
      durationSeconds: durationMs / 1000,
      rate,
      windowSeconds,
      warmupWindows,
      maxInflight,
      users: userCount,
      seedRecordsPerUser: SEED_RECORDS,
      mix: Object.fromEntries(MIX),
      requestTimeoutMs: REQUEST_TIMEOUT_MS,
      rule: 'fail on any 5xx, transport error, unexpected status, server exit, or last-window RSS > 2x the first window after warm-up',
    },
    ranSeconds,
    requests: {
      scheduled: totals.scheduled,
      completed: totals.completed,
      dropped: totals.dropped,
      completedPerSecond: totals.completed / ranSeconds,
      sustained,
      maxLagMs: totals.maxLagMs,
      outcomes: totals.outcomes,
      answers: Object.fromEntries(totals.answers),
    },
    latencyMs: overall,
    cpuMsPerRequest: {
      server: Number.isFinite(serverCpuMs) ? serverCpuMs : null,
      postgres: Number.isFinite(postgresCpuMs) ? postgresCpuMs : null,
    },
    byKind: Object.fromEntries(
      [...byKind].map(([kind, t]) => [
        kind,
        {
          scheduled: t.scheduled,
          completed: t.completed,
          dropped: t.dropped,
          latencyMs: latency(t.samples),
          answers: Object.fromEntries(t.answers),
        },
      ]),
    ),
    rss: {
      idleMiB: idle.rssMiB,
      baselineWindow: baseline?.index ?? null,
      baselineMiB: baseline?.rssMiB ?? null,
      lastWindow: last?.index ?? null,
      lastMiB: last?.rssMiB ?? null,
      peakMiB: Number.isFinite(peakMiB) ? peakMiB : null,
      slopeMiBPerMinute: Number.isFinite(slope) ? slope : null,
    },
    drift: {
      p99: Number.isFinite(p99Drift) ? p99Drift : null,
      rss: Number.isFinite(rssDrift) ? rssDrift : null,
    },
    windows,
    passed: failures.length === 0,
    failures,
  };
  mkdirSync(dirname(outPath), { recursive: true });
  writeFileSync(outPath, `${JSON.stringify(result, null, 2)}\n`);
  console.log(`  result: ${outPath}`);
  if (failures.length && serverExit !== undefined) console.error(`--- server output ---\n${srv.output().slice(-4000)}`);
  return failures.length ? 1 : 0;
}
