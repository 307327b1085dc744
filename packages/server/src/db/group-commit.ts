import { AuraError } from '@aura/errors';

/** Whether a failed write certainly stored nothing: refused before it, or failed by PostgreSQL (a SQLSTATE). */
export const notStored = (error: unknown): boolean =>
  error instanceof AuraError ||
  (typeof (error as { code?: unknown }).code === 'string' && /^[0-9A-Z]{5}$/.test((error as { code: string }).code));

/** One item's part of a batch: its result or its own refusal. */
export type Settled<R> = { ok: R } | { error: unknown };
/** What a batch says of an item: settled, or `alone` (write it by itself after the batch). */
export type Outcome<R> = Settled<R> | 'alone';

export interface GroupCommitOptions<I, R> {
  /** The account an item writes: items of one account are in one batch at a time, in arrival order. */
  key: (item: I) => string;
  /** Writes a batch in one transaction: an outcome per item, in order. Throws only when the whole batch failed. */
  batch: (items: I[]) => Promise<Outcome<R>[]>;
  /** Writes one item by itself (after its batch failed as a whole, or when the batch left it out). */
  alone: (item: I) => Promise<R>;
  /** Most items in a batch. */
  maxBatch: number;
  /**
   * What an item weighs (its bytes, say) and the most a batch may weigh: a batch stops before
   * the item that would take it over, but always holds at least one.
   */
  weight?: { of: (item: I) => number; max: number };
  /** Batches written at once, on as many connections, for accounts no other batch is writing. */
  batchesAtOnce: number;
}

interface Pending<I, R> {
  item: I;
  key: string;
  weight: number;
  resolve: (result: R) => void;
  reject: (error: unknown) => void;
}

/**
 * Group commit: the writes that arrive while a batch is being written go into the next one,
 * whatever their account, so that one account's concurrent writes share one transaction and one
 * commit instead of queueing on its rows one commit at a time. A batch that failed as a whole is
 * written again one item at a time only when it certainly stored nothing (a refusal or an error
 * PostgreSQL returned, which rolled it back); a connection lost meanwhile may have committed it,
 * and every item fails.
 */
export class GroupCommit<I, R> {
  #queue: Pending<I, R>[] = [];
  #writing = new Set<string>();
  #batches = 0;

  constructor(private readonly options: GroupCommitOptions<I, R>) {}

  submit(item: I): Promise<R> {
    return new Promise<R>((resolve, reject) => {
      const weight = this.options.weight?.of(item) ?? 0;
      this.#queue.push({ item, key: this.options.key(item), weight, resolve, reject });
      this.#pump();
    });
  }

  #pump(): void {
    const { maxBatch, batchesAtOnce } = this.options;
    const maxWeight = this.options.weight?.max ?? Number.POSITIVE_INFINITY;
    while (this.#batches < batchesAtOnce && this.#queue.length > 0) {
      const batch: Pending<I, R>[] = [];
      const rest: Pending<I, R>[] = [];
      let weight = 0;
      let full = false;
      for (const pending of this.#queue) {
        // A key's later items stay behind an earlier one left for the next batch.
        full ||= batch.length >= maxBatch || (batch.length > 0 && weight + pending.weight > maxWeight);
        if (!full && !this.#writing.has(pending.key)) {
          batch.push(pending);
          weight += pending.weight;
        } else rest.push(pending);
      }
      if (batch.length === 0) return;
      // An account's later writes stay behind its earlier ones, in this batch or the next.
      const keys = new Set(batch.map((p) => p.key));
      this.#queue = rest;
      for (const key of keys) this.#writing.add(key);
      this.#batches++;
      void this.#run(batch).finally(() => {
        for (const key of keys) this.#writing.delete(key);
        this.#batches--;
        this.#pump();
      });
    }
  }

  async #run(batch: Pending<I, R>[]): Promise<void> {
    let outcomes: Outcome<R>[];
    try {
      outcomes = await this.options.batch(batch.map((p) => p.item));
    } catch (error) {
      // A single item PostgreSQL refused is tried once more: a statement it ended (a backend's crash) stored nothing.
      if (!notStored(error) || (batch.length === 1 && error instanceof AuraError)) {
        for (const pending of batch) pending.reject(error);
        return;
      }
      outcomes = batch.map(() => 'alone');
    }
    const alone: Pending<I, R>[] = [];
    for (const [i, pending] of batch.entries()) {
      const outcome = outcomes[i];
      if (outcome === 'alone') alone.push(pending);
      else if (outcome === undefined) pending.reject(new Error('group commit: the batch gave no outcome'));
      else if ('ok' in outcome) pending.resolve(outcome.ok);
      else pending.reject(outcome.error);
    }
    // In order, and before the account's next batch (it is still marked as being written).
    for (const pending of alone) await this.options.alone(pending.item).then(pending.resolve, pending.reject);
  }
}
