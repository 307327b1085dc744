import { Histogram, type Registry } from 'prom-client';

type Labels = Readonly<Record<string, string>>;

/** One series of the histogram: its label set and, per bucket, the observations that fell in it. */
export class DurationSeries {
  readonly counts: number[];
  sum = 0;
  count = 0;

  constructor(
    readonly labels: Labels,
    private readonly bounds: readonly number[],
  ) {
    this.counts = bounds.map(() => 0);
  }

  observe(seconds: number): void {
    const bounds = this.bounds;
    let i = 0;
    while (i < bounds.length && seconds > (bounds[i] ?? 0)) i++;
    if (i < bounds.length) this.counts[i] = (this.counts[i] ?? 0) + 1;
    this.sum += seconds;
    this.count++;
  }
}

/**
 * A Prometheus histogram kept as plain numbers, one DurationSeries per label set made once:
 * prom-client's Histogram checks and hashes the labels on every observe(), some 1.5 µs of a
 * GET /health that costs the server 40 (decision 0019). It is a Histogram to the registry (its
 * own observe() is never called): the registry writes it from getForPromString, as it writes
 * its own histograms, so /metrics is exactly as before: route-durations.test.ts compares the
 * two, byte for byte.
 */
export class RouteDurations extends Histogram {
  readonly #series: DurationSeries[] = [];
  readonly #name: string;
  readonly #help: string;
  readonly #bounds: readonly number[];

  constructor(name: string, help: string, bounds: readonly number[], registry: Registry) {
    super({ name, help, buckets: [...bounds], registers: [registry] });
    this.#name = name;
    this.#help = help;
    this.#bounds = bounds;
  }

  series(labels: Labels): DurationSeries {
    const series = new DurationSeries(labels, this.#bounds);
    this.#series.push(series);
    return series;
  }

  /**
   * What prom-client's Histogram gives its registry: cumulative buckets, +Inf, sum and count
   * (its get() is this with the shared labels spread into each value's).
   */
  async getForPromString() {
    const values = [];
    for (const series of this.#series) {
      let total = 0;
      for (const [i, le] of this.#bounds.entries()) {
        total += series.counts[i] ?? 0;
        values.push({ labels: { le }, value: total, metricName: `${this.#name}_bucket`, sharedLabels: series.labels });
      }
      values.push(
        {
          labels: { le: '+Inf' },
          value: series.count,
          metricName: `${this.#name}_bucket`,
          sharedLabels: series.labels,
        },
        { labels: {}, value: series.sum, metricName: `${this.#name}_sum`, sharedLabels: series.labels },
        { labels: {}, value: series.count, metricName: `${this.#name}_count`, sharedLabels: series.labels },
      );
    }
    return { name: this.#name, help: this.#help, type: 'histogram' as const, values, aggregator: 'sum' as const };
  }

  override reset(): void {
    // Histogram's constructor resets the new metric before this class's fields exist.
    if (!(#series in this)) return;
    for (const series of this.#series) {
      series.counts.fill(0);
      series.sum = 0;
      series.count = 0;
    }
  }
}
