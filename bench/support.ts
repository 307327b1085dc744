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
