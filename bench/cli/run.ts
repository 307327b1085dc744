// npm run bench:cli — how long `aura status` takes to answer, against `node -e 0` in the same run:
// the price of starting the aura command at all. Target (issue #13): <= 150 ms above node -e 0.
// Status answers offline when this install is not logged in (a fresh AURA_HOME), so no server is
// needed; a logged-in status adds one round trip to the server, which is the server's time, not
// the command's. The runs alternate, so a busy machine slows both alike.
// Flags: --runs=N (default 20), --quick (8 runs).
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { availableParallelism, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { percentile } from '../support.ts';

const root = fileURLToPath(new URL('../..', import.meta.url));
const AURA = join(root, 'packages/cli/bin/aura.mjs');
const quick = process.argv.includes('--quick');
const runsArg = process.argv.find((a) => a.startsWith('--runs='));
const runs = Number(runsArg?.split('=')[1] ?? (quick ? 8 : 20));

// The bundle the bin runs, built from the sources as they are now.
const build = spawnSync(process.execPath, [join(root, 'packages/cli/scripts/build.mjs')], { stdio: 'inherit' });
if (build.status !== 0) process.exit(build.status ?? 1);

const home = mkdtempSync(join(tmpdir(), 'aura-bench-cli-'));
const env = { ...process.env, AURA_HOME: home, AURA_SERVER: 'http://127.0.0.1:9' };

/** Wall time of one process from spawn to exit, in ms; a failure stops the benchmark. */
function time(args: string[], expect?: RegExp): number {
  const start = performance.now();
  const run = spawnSync(process.execPath, args, { env, encoding: 'utf8' });
  const ms = performance.now() - start;
  if (run.status !== 0 || (expect && !expect.test(run.stdout)))
    throw new Error(`node ${args.join(' ')} failed (${run.status}):\n${run.stdout}${run.stderr}`);
  return ms;
}

const NOT_LOGGED_IN = /^Not logged in \(server http:\/\/127\.0\.0\.1:9\)\.$/m;
const node: number[] = [];
const status: number[] = [];
try {
  // One of each first, unmeasured: the file cache is warm for both.
  time(['-e', '0']);
  time([AURA, 'status'], NOT_LOGGED_IN);
  for (let i = 0; i < runs; i++) {
    node.push(time(['-e', '0']));
    status.push(time([AURA, 'status'], NOT_LOGGED_IN));
  }
} finally {
  rmSync(home, { recursive: true, force: true });
}

const median = (xs: number[]) => percentile(xs, 50);
const fmt = (ms: number) => `${ms.toFixed(0).padStart(5)} ms`;
const over = median(status) - median(node);
// Wall time on a busy machine is mostly waiting for a core: the load says how far to trust it.
console.log(
  `Aura CLI start-up benchmark — node ${process.version}, ${runs} runs each, alternating; ` +
    `load ${loadavg()[0]?.toFixed(1)} on ${availableParallelism()} cores\n`,
);
console.log('                         median       p90');
console.log(`  node -e 0            ${fmt(median(node))}  ${fmt(percentile(node, 90))}`);
console.log(`  aura status          ${fmt(median(status))}  ${fmt(percentile(status, 90))}`);
console.log(
  `\n  aura status - node -e 0: ${over.toFixed(0)} ms (${(median(status) / median(node)).toFixed(2)}x)` +
    `   target <= 150 ms: ${over <= 150 ? 'met' : 'NOT met'}`,
);
