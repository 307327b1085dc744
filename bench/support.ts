import { readdirSync, readFileSync } from 'node:fs';

/** Runs `work` from `concurrency` loops for `seconds` seconds; returns completed operations per second. */
export async function throughput(
  seconds: number,
  concurrency: number,
  work: (worker: number) => Promise<unknown>,
): Promise<number> {
  let n = 0;
  const end = performance.now() + seconds * 1000;
  await Promise.all(
    Array.from({ length: concurrency }, async (_, worker) => {
      while (performance.now() < end) {
        await work(worker);
        n++;
      }
    }),
  );
  return n / seconds;
}

/** The p-th percentile of a sample (nearest rank). */
export function percentile(samples: number[], p: number): number {
  const sorted = [...samples].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? 0;
}

const CLOCK_TICKS = 100; // USER_HZ on Linux: /proc's CPU times are in hundredths of a second

/** CPU seconds of the PostgreSQL backends serving `database` (their command lines name it); NaN off Linux. */
export function postgresCpuSeconds(database: string): number {
  let ticks = 0;
  let entries: string[];
  try {
    entries = readdirSync('/proc');
  } catch {
    return Number.NaN;
  }
  for (const entry of entries) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      if (stat.slice(stat.indexOf('(') + 1, stat.lastIndexOf(')')) !== 'postgres') continue;
      if (!readFileSync(`/proc/${entry}/cmdline`, 'utf8').includes(` ${database} `)) continue;
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      ticks += Number(fields[11] ?? 0) + Number(fields[12] ?? 0);
    } catch {
      // The process ended between the listing and the read.
    }
  }
  return ticks / CLOCK_TICKS;
}

/** The whole machine's busy and total CPU seconds, all cores (other work on it shows here). */
export function machineCpuSeconds(): { busy: number; total: number } {
  const v = (readFileSync('/proc/stat', 'utf8').split('\n')[0] ?? '').trim().split(/\s+/).slice(1, 9).map(Number);
  const total = v.reduce((s, x) => s + x, 0);
  return { busy: (total - (v[3] ?? 0) - (v[4] ?? 0)) / CLOCK_TICKS, total: total / CLOCK_TICKS };
}
