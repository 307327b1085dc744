import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';

/**
 * One full garbage collection, once the server has started. Loading its modules and building
 * its routes and API document grow V8's young generation to its 32 MiB maximum, and V8 keeps
 * it: its memory reducer, which gives memory back to the system while a process is idle, starts
 * only after a full collection, and an idle server never needs one. An idle server so held
 * about 120 MiB; after this one collection the reducer takes it to about 90 MiB within some
 * seconds, and load grows the young generation again as it needs (decision 0019).
 *
 * `gc` is V8's own, exposed for this one call (as Jest does to find leaks) and hidden again.
 */
export function collectStartupGarbage(): void {
  setFlagsFromString('--expose-gc');
  const gc = runInNewContext('gc') as () => void;
  setFlagsFromString('--no-expose-gc');
  gc();
}
