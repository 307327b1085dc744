import { checkKdfParams, KDF_SEED_BYTES, type KdfParams } from '@aura/crypto';
import { AuraError, isAuraError } from '@aura/errors';
import { fromBase64, toBase64 } from '@aura/protocol';

/**
 * The KDF settings a server offers at login, judged before anything is derived (M1), and
 * the device's memory of the ones its last successful login used, which turns a silent
 * change of parameters into a tampering error instead of "wrong password".
 *
 * Why "same seed, other parameters" is tampering: the only legitimate change of an
 * account's parameters is a password change, and a password change always brings a fresh
 * random seed (AuraClient.changePassword). So a device that remembers (seed S, params P)
 * and is now offered (S, P') knows the server altered P, and refuses before deriving with
 * P' — which also keeps a hostile server from getting an SRP proof made with cheaper
 * parameters to guess passwords against.
 *
 * What it cannot see: a device with no memory of the account (a fresh install, or one
 * enrolled by approval that never logged in with the password) has nothing to compare with.
 * There, parameters above the floor that differ from the account's own simply make the
 * derived key wrong, which looks exactly like a wrong password (AURA_CRYPTO_SRP_BAD_PROOF):
 * the floor and the ceiling are all it enforces. Nor can any device tell a server that
 * changes the seed together with the parameters from a password change elsewhere; it only
 * says that the seed changed.
 */

/** The seed (base64) and parameters of this device's last successful login to one account. */
export interface KdfPin {
  seed: string;
  params: KdfParams;
}

/** What srp/init offered, once it passed every check that comes before a derivation. */
export interface OfferedKdf {
  seed: Uint8Array;
  /** The seed re-encoded by this client, so two encodings of one seed compare equal. */
  seedText: string;
  params: KdfParams;
}

const describe = (params: { t: number; m: number; p: number }) => `t=${params.t}, m=${params.m} KiB, p=${params.p}`;

function misbehaved(what: string): AuraError {
  return new AuraError(
    'AURA_SERVER_MISBEHAVED',
    `the server sent ${what}; refusing to derive a key. Do not log in there until its operator explains`,
  );
}

/** The shape first, so a malformed answer gets its own code, not a crypto-input error. */
function wellFormedParams(params: unknown): KdfParams {
  const fields = (typeof params === 'object' && params !== null ? params : {}) as Record<string, unknown>;
  const { algorithm, t, m, p } = fields;
  if (Array.isArray(params) || typeof algorithm !== 'string' || ![t, m, p].every(Number.isSafeInteger)) {
    // JSON.stringify escapes control characters, so a hostile value cannot drive the terminal.
    const shown = (JSON.stringify(params) ?? String(params)).slice(0, 120);
    throw misbehaved(`key-derivation parameters that are not {algorithm, t, m, p} with integer values (${shown})`);
  }
  return { algorithm, t, m, p } as KdfParams;
}

function readSeed(seed: unknown): Uint8Array {
  let bytes: Uint8Array | undefined;
  try {
    bytes = typeof seed === 'string' ? fromBase64(seed) : undefined;
  } catch {
    bytes = undefined;
  }
  if (bytes?.length !== KDF_SEED_BYTES)
    throw misbehaved(`a key-derivation seed that is not ${KDF_SEED_BYTES} bytes of base64`);
  return bytes;
}

/**
 * The server's offer, checked: well-formed, then not below the floor (AURA_CRYPTO_KDF_TOO_WEAK)
 * nor above the ceiling (AURA_CRYPTO_KDF_TOO_COSTLY), then a usable seed. Nothing is derived yet.
 */
export function readOfferedKdf(kdf: unknown): OfferedKdf {
  const offer = (typeof kdf === 'object' && kdf !== null ? kdf : {}) as { seed?: unknown; params?: unknown };
  const params = checkKdfParams(wellFormedParams(offer.params));
  const seed = readSeed(offer.seed);
  return { seed, seedText: toBase64(seed), params };
}

const sameParams = (a: KdfParams, b: KdfParams) =>
  a.algorithm === b.algorithm && a.t === b.t && a.m === b.m && a.p === b.p;

/** Same seed as the last successful login, other parameters: refused before deriving (see the top of this file). */
export function assertNotTampered(pin: KdfPin | undefined, offered: OfferedKdf): void {
  if (!pin || pin.seed !== offered.seedText || sameParams(pin.params, offered.params)) return;
  throw new AuraError(
    'AURA_KDF_PARAMS_TAMPERED',
    `the server now offers Argon2id ${describe(offered.params)} for this account, but this device's last login ` +
      `used ${describe(pin.params)} with the same seed; only a password change alters them, and it brings a new ` +
      'seed. Nothing was derived. Do not log in there until its operator explains',
  );
}

/**
 * A failed proof, explained where the device knows more: the seed changed since its last
 * login, as after a password change on another device. The code stays the one of a wrong password.
 */
export function explainBadProof(error: unknown, pin: KdfPin | undefined, offered: OfferedKdf): unknown {
  if (!isAuraError(error, 'AURA_CRYPTO_SRP_BAD_PROOF') || !pin || pin.seed === offered.seedText) return error;
  return new AuraError(
    'AURA_CRYPTO_SRP_BAD_PROOF',
    `${error.message}. The account's key-derivation seed changed since this device last logged in, as a ` +
      'password change on another device does: try the new password',
    { cause: error },
  );
}

/**
 * The server proved it knows a verifier for the offered parameters, yet the account key,
 * whose associated data binds the parameters it was wrapped with, does not open. If they
 * differ from this device's last login, say so; otherwise the generic refusal stands (M5).
 */
export function explainUnwrapFailure(error: unknown, pin: KdfPin | undefined, offered: OfferedKdf): unknown {
  if (!isAuraError(error, 'AURA_CRYPTO_DECRYPT_FAILED') || !pin || sameParams(pin.params, offered.params)) return error;
  return new AuraError(
    'AURA_KDF_PARAMS_TAMPERED',
    `the account key does not open with the Argon2id parameters the server now offers (${describe(offered.params)}); ` +
      `this device's last login used ${describe(pin.params)}. The server altered the account's key-derivation ` +
      'settings. Do not log in there until its operator explains',
    { cause: error },
  );
}

export const pinOf = (offered: OfferedKdf): KdfPin => ({ seed: offered.seedText, params: { ...offered.params } });
