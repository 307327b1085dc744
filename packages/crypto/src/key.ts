import { AuraError } from '@aura/errors';
import { assertBytes, bytesToHex } from './bytes.ts';
import { hkdfSha256 } from './hkdf.ts';

/** What a symmetric key is for. One key, one purpose (M11). */
export type KeyPurpose = 'kek' | 'account' | 'collection' | 'blind-index' | 'grant' | 'device-certificate';

/**
 * A 32-byte symmetric key with its id. The id is HKDF(key, "aura/v1/key-id"), 16 bytes: it
 * names the key without revealing it, and since it commits to the key, an envelope that names
 * one key cannot be opened under another (XChaCha20-Poly1305 alone is not key-committing, M15).
 */
export interface SymmetricKey {
  readonly purpose: KeyPurpose;
  readonly id: Uint8Array;
  readonly bytes: Uint8Array;
}

export const KEY_BYTES = 32;
export const KEY_ID_BYTES = 16;

export function keyIdOf(bytes: Uint8Array): Uint8Array {
  return hkdfSha256(bytes, undefined, 'aura/v1/key-id', KEY_ID_BYTES);
}

export function symmetricKey(purpose: KeyPurpose, bytes: Uint8Array): SymmetricKey {
  assertBytes(bytes, `${purpose} key`, KEY_BYTES);
  return { purpose, id: keyIdOf(bytes), bytes };
}

export function assertKey(key: unknown, purpose?: KeyPurpose): SymmetricKey {
  const k = key as SymmetricKey | null;
  if (
    typeof k !== 'object' ||
    k === null ||
    !(k.bytes instanceof Uint8Array) ||
    k.bytes.length !== KEY_BYTES ||
    !(k.id instanceof Uint8Array) ||
    k.id.length !== KEY_ID_BYTES
  ) {
    throw new AuraError('AURA_INVALID_INPUT', 'key must be a SymmetricKey made by @aura/crypto');
  }
  if (purpose !== undefined && k.purpose !== purpose) {
    throw new AuraError('AURA_INVALID_INPUT', `expected a ${purpose} key, got a ${k.purpose} key`);
  }
  return k;
}

export const keyIdHex = (key: SymmetricKey): string => bytesToHex(key.id);
