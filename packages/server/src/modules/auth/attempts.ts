import { AuraError } from '@aura/errors';

/**
 * Failed-login backoff per account and per client address: after `free` failures within
 * the window, each further failure doubles the wait, up to 15 minutes. In memory, per
 * process; a scaled deployment would keep it in the shared cache.
 */
export class LoginAttempts {
  readonly #failures = new Map<string, { count: number; last: number }>();
  readonly #free: number;
  readonly #windowMs = 15 * 60 * 1000;
  readonly #maxDelayMs = 15 * 60 * 1000;

  constructor(free: number) {
    this.#free = free;
  }

  #delayMs(key: string, now: number): number {
    const entry = this.#failures.get(key);
    if (!entry) return 0;
    if (now - entry.last > this.#windowMs) {
      this.#failures.delete(key);
      return 0;
    }
    if (entry.count < this.#free) return 0;
    const delay = Math.min(this.#maxDelayMs, 1000 * 2 ** (entry.count - this.#free));
    return Math.max(0, entry.last + delay - now);
  }

  /** Throws AURA_RATE_LIMITED (with the seconds to wait) while either key is backing off. */
  check(keys: string[], now = Date.now()): void {
    const wait = Math.max(...keys.map((k) => this.#delayMs(k, now)));
    if (wait > 0) {
      const seconds = Math.ceil(wait / 1000);
      const error = new AuraError(
        'AURA_RATE_LIMITED',
        `too many failed logins; try again in ${seconds} second${seconds === 1 ? '' : 's'}`,
      );
      (error as AuraError & { retryAfter?: number }).retryAfter = seconds;
      throw error;
    }
  }

  fail(keys: string[], now = Date.now()): void {
    for (const key of keys) {
      const entry = this.#failures.get(key);
      this.#failures.set(key, { count: (entry?.count ?? 0) + 1, last: now });
    }
    if (this.#failures.size > 100_000) this.#prune(now);
  }

  succeed(keys: string[]): void {
    for (const key of keys) this.#failures.delete(key);
  }

  #prune(now: number): void {
    for (const [key, entry] of this.#failures) if (now - entry.last > this.#windowMs) this.#failures.delete(key);
  }
}
