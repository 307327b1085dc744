import type { CollectionName } from '../records.ts';
import type { Memory } from './memory.ts';

export interface ReembedProgress {
  collection: CollectionName;
  model: string;
  done: number;
  total: number;
}

export interface ReembedderOptions {
  /** The collections given vectors, in this order (default: notes, people, learning events). */
  collections?: readonly CollectionName[];
  /** How often a finished pass looks again for records without a vector of the model (default 10 min). */
  intervalMs?: number;
  /** The first wait after a failed pass (doubled after each failure, up to intervalMs; default 5 s). */
  retryMs?: number;
  /** Texts per call to the provider. */
  batch?: number;
  onProgress?: (progress: ReembedProgress) => void;
  /** A pass failed (the endpoint is down): it is tried again in `retryInMs`, from where it stopped. */
  onError?: (error: Error, retryInMs: number) => void;
  /** A pass ended with every record holding a vector of the model. */
  onIdle?: (reembedded: number) => void;
}

const DEFAULT_COLLECTIONS: readonly CollectionName[] = ['contexts', 'relationships', 'learning-events'];

/**
 * Re-embedding in the background, for a process that stays up (the agent, the dashboard): after a
 * change of model, or for records another device wrote while its endpoint was down, every record
 * gets a vector of the provider's model. Resumable by construction (Memory.reembed skips what is
 * done), so a pass that fails is simply run again later, and one stopped resumes on the next start.
 */
export class Reembedder {
  readonly #memory: Memory;
  readonly #options: ReembedderOptions;
  readonly #abort = new AbortController();
  #timer: ReturnType<typeof setTimeout> | undefined;
  #running: Promise<void> = Promise.resolve();
  #failures = 0;
  #idle: { promise: Promise<void>; resolve: () => void };
  /** Whether the last pass ended with nothing left to do (idle() then resolves at once). */
  #idleNow = false;

  constructor(memory: Memory, options: ReembedderOptions = {}) {
    this.#memory = memory;
    this.#options = options;
    this.#idle = waiter();
  }

  /** Starts the first pass now. */
  start(): this {
    this.#schedule(0);
    return this;
  }

  /** Resolves when a pass has left no record without a vector of the model: at once if the last one did. */
  idle(): Promise<void> {
    return this.#idle.promise;
  }

  /** Stops after the batch in progress; what was re-embedded stays. */
  async stop(): Promise<void> {
    this.#abort.abort();
    clearTimeout(this.#timer);
    await this.#running;
  }

  #schedule(ms: number) {
    if (this.#abort.signal.aborted) return;
    this.#timer = setTimeout(() => {
      this.#running = this.#pass();
    }, ms);
    // A waiting pass does not keep a process alive that has nothing else to do.
    (this.#timer as { unref?: () => void }).unref?.();
  }

  async #pass(): Promise<void> {
    const provider = this.#memory.provider;
    if (!provider) return;
    const { onProgress, onError, onIdle, batch } = this.#options;
    const interval = this.#options.intervalMs ?? 600_000;
    if (this.#idleNow) {
      this.#idle = waiter();
      this.#idleNow = false;
    }
    let reembedded = 0;
    try {
      for (const collection of this.#options.collections ?? DEFAULT_COLLECTIONS) {
        if (this.#abort.signal.aborted) return;
        // What other devices wrote since the last pass is read first (only their vectors are opened).
        await this.#memory.refresh(collection);
        if ((await this.#memory.stale(collection)).stale === 0) continue;
        const result = await this.#memory.reembed(
          collection,
          (done, total) => onProgress?.({ collection, model: provider.model, done, total }),
          { signal: this.#abort.signal, ...(batch ? { batch } : {}) },
        );
        reembedded += result.reembedded;
      }
      if (this.#abort.signal.aborted) return;
      this.#failures = 0;
      onIdle?.(reembedded);
      this.#idleNow = true;
      this.#idle.resolve();
      this.#schedule(interval);
    } catch (error) {
      if (this.#abort.signal.aborted) return;
      const wait = Math.min(interval, (this.#options.retryMs ?? 5_000) * 2 ** this.#failures++);
      onError?.(error as Error, wait);
      this.#schedule(wait);
    }
  }
}

function waiter(): { promise: Promise<void>; resolve: () => void } {
  let resolve = () => {};
  const promise = new Promise<void>((r) => {
    resolve = r;
  });
  return { promise, resolve };
}
