/**
 * The KDF seed and parameters of an account, as the server relays them. The server does not
 * judge them: the floor and the ceiling are the client's (M1), because a client must refuse
 * weak parameters from a hostile server anyway. What the server guarantees is that no row,
 * however odd, turns a login into a 5xx: a row that is at least well-formed (a 16-byte seed,
 * a short algorithm name, integer t, m and p) is relayed as stored, extra fields dropped;
 * anything else is answered with UNUSABLE_KDF, which every client refuses before deriving.
 */

import type { RelayedKdfDescriptor, RelayedKdfParams } from '@aura/protocol';
import { toBase64 } from '../../base64.ts';

export interface RelayedKdf extends RelayedKdfDescriptor {
  /** False when the stored row was not even well-formed and UNUSABLE_KDF stands in for it. */
  wellFormed: boolean;
}

const SEED_BYTES = 16;
const MAX_ALGORITHM_CHARS = 32;

/** Below every client's floor (t=0, m=0, p=0), so a broken row reads as "refused", never as a password to try. */
export const UNUSABLE_KDF_PARAMS: RelayedKdfParams = { algorithm: 'argon2id', t: 0, m: 0, p: 0 };
const UNUSABLE_SEED = toBase64(Buffer.alloc(SEED_BYTES));

/** The stored parameters if they are well-formed, in a fixed key order (so no row's JSON layout shows through). */
export function wellFormedKdfParams(stored: unknown): RelayedKdfParams | undefined {
  if (typeof stored !== 'object' || stored === null || Array.isArray(stored)) return undefined;
  const { algorithm, t, m, p } = stored as Record<string, unknown>;
  if (typeof algorithm !== 'string' || algorithm.length === 0 || algorithm.length > MAX_ALGORITHM_CHARS) {
    return undefined;
  }
  if (![t, m, p].every(Number.isSafeInteger)) return undefined;
  return { algorithm, t: t as number, m: m as number, p: p as number };
}

/** What srp/init and the access token carry for a user row's kdf_seed and kdf_params columns. */
export function relayKdf(storedSeed: unknown, storedParams: unknown): RelayedKdf {
  const params = wellFormedKdfParams(storedParams);
  const seedOk = Buffer.isBuffer(storedSeed) && storedSeed.length === SEED_BYTES;
  if (!params || !seedOk) return { seed: UNUSABLE_SEED, params: UNUSABLE_KDF_PARAMS, wellFormed: false };
  return { seed: toBase64(storedSeed), params, wellFormed: true };
}
