import { AuraError } from '@aura/errors';
import { hkdf as nobleHkdf } from '@noble/hashes/hkdf.js';
import { hmac } from '@noble/hashes/hmac.js';
import { sha256 } from '@noble/hashes/sha2.js';
import { assertBytes, constantTimeEqual, utf8ToBytes } from './bytes.ts';

const MAX_HKDF_SHA256_OUTPUT = 255 * 32;

/** HKDF-SHA256 (RFC 5869). `info` names the purpose; one purpose, one info string (M11). */
export function hkdfSha256(
  ikm: Uint8Array,
  salt: Uint8Array | undefined,
  info: Uint8Array | string,
  length: number,
): Uint8Array {
  assertBytes(ikm, 'ikm');
  if (salt !== undefined) assertBytes(salt, 'salt');
  if (!Number.isInteger(length) || length < 1) {
    throw new AuraError('AURA_INVALID_INPUT', 'HKDF output length must be a positive integer');
  }
  if (length > MAX_HKDF_SHA256_OUTPUT) {
    throw new AuraError(
      'AURA_CRYPTO_KEY_OUTPUT_TOO_LONG',
      `HKDF-SHA256 can produce at most ${MAX_HKDF_SHA256_OUTPUT} bytes, ${length} were asked for`,
    );
  }
  const infoBytes = typeof info === 'string' ? utf8ToBytes(info) : assertBytes(info, 'info');
  return nobleHkdf(sha256, ikm, salt, infoBytes, length);
}

/** HMAC-SHA256 (RFC 2104). */
export function hmacSha256(key: Uint8Array, message: Uint8Array): Uint8Array {
  assertBytes(key, 'key');
  assertBytes(message, 'message');
  return hmac(sha256, key, message);
}

/** Checks a (possibly truncated) HMAC-SHA256 tag in constant time. */
export function verifyHmacSha256(key: Uint8Array, message: Uint8Array, tag: Uint8Array): boolean {
  assertBytes(tag, 'tag');
  if (tag.length < 16 || tag.length > 32) return false;
  return constantTimeEqual(hmacSha256(key, message).subarray(0, tag.length), tag);
}
