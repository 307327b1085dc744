import { proxy, type Remote, wrap } from 'comlink';
import type { WebError } from './shared/types.ts';
import type { KeysService } from './worker/service.ts';

/** The keys live in this worker; the page only asks it. */
export const keys: Remote<KeysService> = wrap<KeysService>(
  new Worker(new URL('./worker/keys.worker.ts', import.meta.url), { type: 'module', name: 'aura-keys' }),
);

export { proxy };

/** A failure from the worker (its code and message) or from the page itself. */
export function describeError(error: unknown): WebError {
  if (typeof error === 'object' && error !== null && 'code' in error && 'message' in error)
    return { code: String(error.code), message: String(error.message) };
  return { code: 'AURA_INTERNAL', message: error instanceof Error ? error.message : String(error) };
}
