// npm run bench:cli — the wall time of `aura status`, `aura people list` and `aura ask --dry-run`
// against a running local server, each against `node -e 0` in the same run: the price of the
// command itself. Targets: status <= 150 ms and ask <= 400 ms above node -e 0. A fresh account
// with five people is made first; status and people list each make a round trip to the server
// (a login's refresh, a vault list), ask plans a meeting offline (the builtin model) and submits
// nothing. The runs alternate, so a busy machine slows every command alike.
// Flags: --runs=N (default 20), --quick (8 runs).
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { availableParallelism, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { migratedDatabase, spawnServer } from '@aura/testing';
import { percentile } from '../support.ts';

const root = fileURLToPath(new URL('../..', import.meta.url));
const AURA = join(root, 'packages/cli/bin/aura.mjs');
const quick = process.argv.includes('--quick');
const runsArg = process.argv.find((a) => a.startsWith('--runs='));
const runs = Number(runsArg?.split('=')[1] ?? (quick ? 8 : 20));

// The bundle the bin runs, built from the sources as they are now.
const build = spawnSync(process.execPath, [join(root, 'packages/cli/scripts/build.mjs')], { stdio: 'inherit' });
if (build.status !== 0) process.exit(build.status ?? 1);

const db = await migratedDatabase();
const server = await spawnServer({ DATABASE_URL: db.url, AURA_RATE_LIMIT_DEFAULT: '1000000' });
const home = mkdtempSync(join(tmpdir(), 'aura-bench-cli-'));
const env = { ...process.env, AURA_HOME: home, AURA_SERVER: server.url };

/** Wall time of one process from spawn to exit, in ms; a failure stops the benchmark. */
function time(args: string[], expect?: RegExp, input?: string): number {
  const start = performance.now();
  const run = spawnSync(process.execPath, args, { env, encoding: 'utf8', ...(input ? { input } : {}) });
  const ms = performance.now() - start;
  if (run.status !== 0 || (expect && !expect.test(run.stdout)))
    throw new Error(`node ${args.join(' ')} failed (${run.status}):\n${run.stdout}${run.stderr}`);
  return ms;
}

const COMMANDS = {
  status: { args: ['status'], expect: /^Logged in as bench@example\.com/m },
  'people list': { args: ['people', 'list'], expect: /John Appleseed/ },
  'ask --dry-run': {
    args: ['ask', '--dry-run', 'Schedule a meeting with John tomorrow at 3pm'],
    expect: /calendar\.create_event/,
  },
} as const;
type Name = keyof typeof COMMANDS;
const node: number[] = [];
const timings: Record<Name, number[]> = { status: [], 'people list': [], 'ask --dry-run': [] };
try {
  time([AURA, 'register', '--email', 'bench@example.com', '--password-stdin'], undefined, 'bench pw\nbench pw\n');
  for (const name of ['John Appleseed', 'Sarah Connor', 'William Stone', 'Mary Major', 'Ravi Patel'])
    time([AURA, 'people', 'add', name]);
  // One of each first, unmeasured: the file cache is warm for all.
  time(['-e', '0']);
  for (const c of Object.values(COMMANDS)) time([AURA, ...c.args], c.expect);
  for (let i = 0; i < runs; i++) {
    node.push(time(['-e', '0']));
    for (const [name, c] of Object.entries(COMMANDS) as [Name, (typeof COMMANDS)[Name]][])
      timings[name].push(time([AURA, ...c.args], c.expect));
  }
} finally {
  rmSync(home, { recursive: true, force: true });
  server.child.kill('SIGTERM');
  await server.exited;
  await db.drop();
}

const median = (xs: number[]) => percentile(xs, 50);
const fmt = (ms: number) => `${ms.toFixed(0).padStart(5)} ms`;
const TARGET: Partial<Record<Name, number>> = { status: 150, 'ask --dry-run': 400 };
// Wall time on a busy machine is mostly waiting for a core: the load says how far to trust it.
console.log(
  `Aura CLI benchmark — node ${process.version}, ${runs} runs each, alternating; ` +
    `load ${loadavg()[0]?.toFixed(1)} on ${availableParallelism()} cores\n`,
);
console.log('                         median       p90');
console.log(`  node -e 0            ${fmt(median(node))}  ${fmt(percentile(node, 90))}`);
for (const [name, xs] of Object.entries(timings) as [Name, number[]][])
  console.log(`  aura ${name.padEnd(15)} ${fmt(median(xs))}  ${fmt(percentile(xs, 90))}`);
console.log('');
for (const [name, xs] of Object.entries(timings) as [Name, number[]][]) {
  const over = median(xs) - median(node);
  const target = TARGET[name];
  console.log(
    `  aura ${name} - node -e 0: ${over.toFixed(0)} ms (${(median(xs) / median(node)).toFixed(2)}x)` +
      (target ? `   target <= ${target} ms: ${over <= target ? 'met' : 'NOT met'}` : ''),
  );
}
