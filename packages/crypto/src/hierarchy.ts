import { AuraError } from '@aura/errors';
import { x25519 } from '@noble/curves/ed25519.js';
import { sha256 } from '@noble/hashes/sha2.js';
import { platform } from '#platform';
import { decryptFailed } from './aead.ts';
import { argon2idFloored, checkKdfParams, type KdfParams } from './argon2.ts';
import {
  assertBytes,
  assertString,
  bytesToBigInt,
  concatBytes,
  constantTimeEqual,
  lengthPrefixed,
  utf8ToBytes,
  wipe,
} from './bytes.ts';
import { openEnvelope, sealEnvelope } from './envelope.ts';
import { hkdfSha256 } from './hkdf.ts';
import { assertKey, KEY_BYTES, type SymmetricKey, symmetricKey } from './key.ts';

/**
 * The key hierarchy of ARCHITECTURE.md §2:
 *
 *   password --Argon2id(salt, t, m, p)--> master key
 *   master key --HKDF "aura/v1/srp-x"--> SRP private x
 *   master key --HKDF "aura/v1/kek"--> key-encryption key --wraps--> account key (random)
 *   account key --HKDF "aura/v1/collection/..."--> collection data keys
 *   account key --HKDF "aura/v1/blind-index/..."--> per-field blind-index keys
 *
 * A password change derives a new master key and re-wraps the same account key, so no record
 * is re-encrypted.
 */

export const KDF_SEED_BYTES = 16;
const SALT_BYTES = 16;

/** Account identifiers are compared after NFKC and lower-casing, so "Alice@X" is "alice@x". */
export function normalizeIdentifier(identifier: string): string {
  assertString(identifier, 'identifier');
  const normalized = identifier.normalize('NFKC').trim().toLowerCase();
  if (normalized.length === 0) throw new AuraError('AURA_INVALID_INPUT', 'identifier must not be empty');
  return normalized;
}

export function generateKdfSeed(): Uint8Array {
  return platform.randomBytes(KDF_SEED_BYTES);
}

/**
 * The Argon2id salt, derived on the client from the account identifier and the random seed
 * the server stores (M2): a server that hands everyone one seed still cannot make two
 * accounts share a salt, so it cannot precompute one table for all of them.
 */
export function deriveKdfSalt(identifier: string, seed: Uint8Array): Uint8Array {
  assertBytes(seed, 'KDF seed', KDF_SEED_BYTES);
  const input = concatBytes(
    utf8ToBytes('aura/v1/kdf-salt\0'),
    lengthPrefixed(utf8ToBytes(normalizeIdentifier(identifier))),
    seed,
  );
  return sha256(input).slice(0, SALT_BYTES);
}

/** The root of a user's keys. Lives only in client memory; wipe() it when done. */
export interface MasterKey {
  readonly bytes: Uint8Array;
  readonly params: KdfParams;
}

export async function deriveMasterKey(
  password: string,
  identifier: string,
  seed: Uint8Array,
  params: KdfParams,
): Promise<MasterKey> {
  // The parameters first: a refusal of the server's parameters must not hide behind another error (M1).
  const checked = checkKdfParams(params);
  assertString(password, 'password');
  if (password.length === 0) throw new AuraError('AURA_INVALID_INPUT', 'password must not be empty');
  const passwordBytes = utf8ToBytes(password.normalize('NFKC'));
  try {
    const bytes = await argon2idFloored(passwordBytes, deriveKdfSalt(identifier, seed), checked);
    return { bytes, params: checked };
  } finally {
    wipe(passwordBytes);
  }
}

/** SRP-6a private value x, as a big-endian integer of 32 HKDF bytes. */
export function deriveSrpPrivateKey(master: MasterKey): bigint {
  const bytes = hkdfSha256(master.bytes, undefined, 'aura/v1/srp-x', 32);
  const x = bytesToBigInt(bytes);
  wipe(bytes);
  return x;
}

export function deriveKeyEncryptionKey(master: MasterKey): SymmetricKey {
  return symmetricKey('kek', hkdfSha256(master.bytes, undefined, 'aura/v1/kek', KEY_BYTES));
}

export function generateAccountKey(): SymmetricKey {
  return symmetricKey('account', platform.randomBytes(KEY_BYTES));
}

/** What a wrapped account key is bound to: its owner and the KDF parameters it was made with (M1, M5). */
export interface WrapContext {
  readonly owner: string;
  readonly params: KdfParams;
}

function wrapSlot(context: WrapContext) {
  const { t, m, p } = checkKdfParams(context.params);
  return {
    userId: normalizeIdentifier(context.owner),
    collection: 'aura/keys',
    recordId: `account-key;argon2id;t=${t};m=${m};p=${p}`,
  };
}

/** Wraps the account key under the key-encryption key. A fresh random nonce every time (M15). */
export function wrapAccountKey(kek: SymmetricKey, accountKey: SymmetricKey, context: WrapContext): Uint8Array {
  assertKey(kek, 'kek');
  assertKey(accountKey, 'account');
  const plaintext = concatBytes(accountKey.id, accountKey.bytes);
  try {
    return sealEnvelope(kek, wrapSlot(context), plaintext);
  } finally {
    wipe(plaintext);
  }
}

/**
 * Unwraps the account key and checks that it is the key the caller expects (its id, known
 * from the account record): a server that swaps in another wrapped key is refused (M5).
 */
export function unwrapAccountKey(
  kek: SymmetricKey,
  wrapped: Uint8Array,
  context: WrapContext,
  expectedKeyId?: Uint8Array,
): SymmetricKey {
  assertKey(kek, 'kek');
  const plaintext = openEnvelope(kek, wrapSlot(context), wrapped);
  if (plaintext.length !== 16 + KEY_BYTES) throw decryptFailed();
  const key = symmetricKey('account', plaintext.slice(16));
  const claimedId = plaintext.subarray(0, 16);
  const idMatches =
    constantTimeEqual(claimedId, key.id) &&
    (expectedKeyId === undefined || constantTimeEqual(assertBytes(expectedKeyId, 'expected key id', 16), key.id));
  wipe(plaintext);
  if (!idMatches) {
    wipe(key.bytes);
    throw decryptFailed();
  }
  return key;
}

function checkName(value: string, name: string): string {
  assertString(value, name);
  if (value.length === 0 || value.length > 200 || value.includes('\0')) {
    throw new AuraError('AURA_INVALID_INPUT', `${name} must be 1 to 200 characters without NUL`);
  }
  return value;
}

/** The data key of one collection at one key version (rotation bumps the version). */
export function deriveCollectionKey(accountKey: SymmetricKey, collection: string, version = 1): SymmetricKey {
  assertKey(accountKey, 'account');
  checkName(collection, 'collection');
  if (!Number.isSafeInteger(version) || version < 1) {
    throw new AuraError('AURA_INVALID_INPUT', 'collection key version must be a positive integer');
  }
  const info = `aura/v1/collection\0${collection}\0${version}`;
  return symmetricKey('collection', hkdfSha256(accountKey.bytes, undefined, info, KEY_BYTES));
}

/** The blind-index key of one field of one collection: one key per field (M14). */
export function deriveBlindIndexKey(accountKey: SymmetricKey, collection: string, field: string): SymmetricKey {
  assertKey(accountKey, 'account');
  checkName(collection, 'collection');
  checkName(field, 'field');
  const info = `aura/v1/blind-index\0${collection}\0${field}`;
  return symmetricKey('blind-index', hkdfSha256(accountKey.bytes, undefined, info, KEY_BYTES));
}

/**
 * The account's audit key pair: X25519, derived from the account key so every device of the
 * account can open what the server sealed to its public half (addresses, reasons).
 */
export function deriveAuditKeyPair(accountKey: SymmetricKey): { secretKey: Uint8Array; publicKey: Uint8Array } {
  assertKey(accountKey, 'account');
  const secretKey = hkdfSha256(accountKey.bytes, undefined, 'aura/v1/audit-sealing-key', 32);
  return { secretKey, publicKey: x25519.getPublicKey(secretKey) };
}

/**
 * The key that certifies the account's devices: an HMAC over a device's id and public keys,
 * made by a device that holds the account key. The server cannot make one, so a device key it
 * slips into the account's list is not certified, and the agent refuses approvals signed by it.
 */
export function deriveDeviceCertificateKey(accountKey: SymmetricKey): SymmetricKey {
  assertKey(accountKey, 'account');
  return symmetricKey(
    'device-certificate',
    hkdfSha256(accountKey.bytes, undefined, 'aura/v1/device-certificate', KEY_BYTES),
  );
}
