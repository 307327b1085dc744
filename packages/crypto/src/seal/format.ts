import { AuraError } from '@aura/errors';
import { XCHACHA_NONCE_BYTES } from '../aead.ts';
import { assertString, concatBytes, lengthPrefixed, utf8ToBytes } from '../bytes.ts';
import { hkdfSha256 } from '../hkdf.ts';

/**
 * Sealed boxes: anonymous public-key encryption to an X25519 key (a device, a support agent).
 *
 *   format: 0x01 || ephemeral public key (32) || nonce (24) || ciphertext || tag (16)
 *   key = HKDF-SHA256(X25519(eph, recipient), salt = eph_pub || recipient_pub,
 *                     info = "aura/v1/seal\0" || context)
 *   AD  = "aura/v1/seal\0" || 0x01 || lp(context) || eph_pub || recipient_pub
 *
 * The context names what is sealed ("device-enrollment", "support-grant"), so a box made for
 * one purpose does not open as another (M11).
 */
export const SEAL_VERSION = 1;
export const LABEL = 'aura/v1/seal\0';
export const HEADER_BYTES = 1 + 32 + XCHACHA_NONCE_BYTES;

export function boxKey(shared: Uint8Array, ephemeral: Uint8Array, recipient: Uint8Array, context: string) {
  return hkdfSha256(shared, concatBytes(ephemeral, recipient), `${LABEL}${context}`, 32);
}

export function boxAd(context: string, ephemeral: Uint8Array, recipient: Uint8Array) {
  return concatBytes(
    utf8ToBytes(LABEL),
    Uint8Array.of(SEAL_VERSION),
    lengthPrefixed(utf8ToBytes(context)),
    ephemeral,
    recipient,
  );
}

export function checkContext(context: string): void {
  assertString(context, 'context');
  if (context.length === 0 || context.includes('\0')) {
    throw new AuraError('AURA_INVALID_INPUT', 'seal context must be a non-empty string without NUL');
  }
}

/** True when X25519 gave the all-zero secret: the peer's key is of low order. */
export function isAllZero(shared: Uint8Array): boolean {
  return shared.every((b) => b === 0);
}
