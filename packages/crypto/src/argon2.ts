import { AuraError } from '@aura/errors';
import { argon2id as nobleArgon2id } from '@noble/hashes/argon2.js';
import { assertBytes } from './bytes.ts';

/** Argon2id parameters as stored beside an account: t passes, m KiB of memory, p lanes. */
export interface KdfParams {
  readonly algorithm: 'argon2id';
  readonly t: number;
  readonly m: number;
  readonly p: number;
}

/** The floor of ARCHITECTURE.md §2 (M1): no client derives a key below it, whoever asks. */
export const KDF_FLOOR = { t: 3, m: 64 * 1024, p: 1 } as const;
/** The ceiling: a hostile server must not be able to make a device hang or run out of memory. */
export const KDF_CEILING = { t: 64, m: 4 * 1024 * 1024, p: 16 } as const;
/** What new accounts get: RFC 9106's second recommended option, single lane (WASM is single-threaded). */
export const DEFAULT_KDF_PARAMS: KdfParams = { algorithm: 'argon2id', t: 3, m: 64 * 1024, p: 1 };

export function checkKdfParams(params: unknown): KdfParams {
  if (typeof params !== 'object' || params === null) {
    throw new AuraError('AURA_INVALID_INPUT', 'KDF parameters must be an object {algorithm, t, m, p}');
  }
  const { algorithm, t, m, p } = params as Record<string, unknown>;
  if (algorithm !== 'argon2id') {
    throw new AuraError('AURA_CRYPTO_KDF_TOO_WEAK', 'only argon2id is accepted as the password KDF');
  }
  for (const [name, value] of [
    ['t', t],
    ['m', m],
    ['p', p],
  ] as const) {
    if (typeof value !== 'number' || !Number.isSafeInteger(value)) {
      throw new AuraError('AURA_INVALID_INPUT', `KDF parameter ${name} must be an integer`);
    }
  }
  const params_ = { algorithm, t: t as number, m: m as number, p: p as number } as const;
  if (params_.t < KDF_FLOOR.t || params_.m < KDF_FLOOR.m || params_.p < KDF_FLOOR.p) {
    throw new AuraError(
      'AURA_CRYPTO_KDF_TOO_WEAK',
      `Argon2id parameters t=${params_.t}, m=${params_.m} KiB, p=${params_.p} are below the floor ` +
        `t>=${KDF_FLOOR.t}, m>=${KDF_FLOOR.m} KiB, p>=${KDF_FLOOR.p}; refusing to derive a key`,
    );
  }
  if (params_.t > KDF_CEILING.t || params_.m > KDF_CEILING.m || params_.p > KDF_CEILING.p) {
    throw new AuraError(
      'AURA_CRYPTO_KDF_TOO_COSTLY',
      `Argon2id parameters t=${params_.t}, m=${params_.m} KiB, p=${params_.p} exceed the ceiling ` +
        `t<=${KDF_CEILING.t}, m<=${KDF_CEILING.m} KiB, p<=${KDF_CEILING.p}`,
    );
  }
  return params_;
}

/**
 * Argon2id with the floor enforced on every call. The only entry point the rest of Aura uses.
 */
export async function argon2idFloored(
  password: Uint8Array,
  salt: Uint8Array,
  params: KdfParams,
  length = 32,
): Promise<Uint8Array> {
  const checked = checkKdfParams(params);
  return argon2idUnchecked({ password, salt, t: checked.t, m: checked.m, p: checked.p, length });
}

export interface Argon2idRawInput {
  password: Uint8Array;
  salt: Uint8Array;
  secret?: Uint8Array;
  associatedData?: Uint8Array;
  t: number;
  m: number;
  p: number;
  length: number;
}

/**
 * Argon2id (RFC 9106, version 0x13) without the floor: for published vectors only, which use
 * toy parameters. Not exported from the package entry. hash-wasm does the work; it has no
 * associated-data input, so the one vector that uses it runs on @noble/hashes instead, and a
 * property test keeps the two engines in agreement.
 */
export async function argon2idUnchecked(input: Argon2idRawInput): Promise<Uint8Array> {
  assertBytes(input.password, 'password');
  if (input.password.length === 0) throw new AuraError('AURA_INVALID_INPUT', 'password must not be empty');
  assertBytes(input.salt, 'salt');
  if (input.salt.length < 8) throw new AuraError('AURA_INVALID_INPUT', 'salt must be at least 8 bytes');
  if (input.associatedData && input.associatedData.length > 0) {
    return nobleArgon2id(input.password, input.salt, {
      t: input.t,
      m: input.m,
      p: input.p,
      dkLen: input.length,
      ...(input.secret ? { key: input.secret } : {}),
      personalization: input.associatedData,
    });
  }
  // Loaded here, not with the module: its WebAssembly (some 260 KB of script) is parsed only by
  // the commands that derive a key, not by every one that merely imports the crypto package.
  const { argon2id } = await import('hash-wasm');
  return argon2id({
    password: input.password,
    salt: input.salt,
    ...(input.secret ? { secret: input.secret } : {}),
    iterations: input.t,
    memorySize: input.m,
    parallelism: input.p,
    hashLength: input.length,
    outputType: 'binary',
  });
}

/** Same engine as production, without a floor: for the engine-agreement property test. */
export async function argon2idNoble(input: Argon2idRawInput): Promise<Uint8Array> {
  return nobleArgon2id(input.password, input.salt, {
    t: input.t,
    m: input.m,
    p: input.p,
    dkLen: input.length,
    ...(input.secret ? { key: input.secret } : {}),
    ...(input.associatedData ? { personalization: input.associatedData } : {}),
  });
}
