import { AuraError } from '@aura/errors';
import { x25519 } from '@noble/curves/ed25519.js';
import { platform } from '#platform';
import { decryptFailed, XCHACHA_NONCE_BYTES, XCHACHA_TAG_BYTES, xchachaOpen, xchachaSeal } from './aead.ts';
import { assertBytes, assertString, concatBytes, lengthPrefixed, utf8ToBytes, wipe } from './bytes.ts';
import { hkdfSha256 } from './hkdf.ts';

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
const SEAL_VERSION = 1;
const LABEL = 'aura/v1/seal\0';
const HEADER_BYTES = 1 + 32 + XCHACHA_NONCE_BYTES;

export interface X25519KeyPair {
  readonly secretKey: Uint8Array;
  readonly publicKey: Uint8Array;
}

export function generateX25519KeyPair(): X25519KeyPair {
  const secretKey = platform.randomBytes(32);
  return { secretKey, publicKey: x25519.getPublicKey(secretKey) };
}

/**
 * X25519 with the all-zero shared secret refused: a low-order public key would make the
 * "secret" a constant anyone knows.
 */
export function x25519SharedSecret(secretKey: Uint8Array, publicKey: Uint8Array): Uint8Array {
  assertBytes(secretKey, 'X25519 secret key', 32);
  assertBytes(publicKey, 'X25519 public key', 32);
  let shared: Uint8Array;
  try {
    shared = x25519.scalarMult(secretKey, publicKey);
  } catch {
    throw new AuraError(
      'AURA_CRYPTO_LOW_ORDER_POINT',
      'the X25519 public key is of low order (it would give an all-zero shared secret); refusing it',
    );
  }
  if (shared.every((b) => b === 0)) {
    throw new AuraError('AURA_CRYPTO_LOW_ORDER_POINT', 'the X25519 shared secret is all zero; refusing it');
  }
  return shared;
}

function boxKey(shared: Uint8Array, ephemeral: Uint8Array, recipient: Uint8Array, context: string) {
  return hkdfSha256(shared, concatBytes(ephemeral, recipient), `${LABEL}${context}`, 32);
}

function boxAd(context: string, ephemeral: Uint8Array, recipient: Uint8Array) {
  return concatBytes(
    utf8ToBytes(LABEL),
    Uint8Array.of(SEAL_VERSION),
    lengthPrefixed(utf8ToBytes(context)),
    ephemeral,
    recipient,
  );
}

function checkContext(context: string): void {
  assertString(context, 'context');
  if (context.length === 0 || context.includes('\0')) {
    throw new AuraError('AURA_INVALID_INPUT', 'seal context must be a non-empty string without NUL');
  }
}

export function sealTo(recipientPublicKey: Uint8Array, context: string, plaintext: Uint8Array): Uint8Array {
  assertBytes(recipientPublicKey, 'recipient public key', 32);
  checkContext(context);
  assertBytes(plaintext, 'plaintext');
  const ephemeral = generateX25519KeyPair();
  const shared = x25519SharedSecret(ephemeral.secretKey, recipientPublicKey);
  const key = boxKey(shared, ephemeral.publicKey, recipientPublicKey, context);
  const nonce = platform.randomBytes(XCHACHA_NONCE_BYTES);
  try {
    const sealed = xchachaSeal(key, nonce, plaintext, boxAd(context, ephemeral.publicKey, recipientPublicKey));
    return concatBytes(Uint8Array.of(SEAL_VERSION), ephemeral.publicKey, nonce, sealed);
  } finally {
    wipe(shared, key, ephemeral.secretKey);
  }
}

export function openSealed(recipient: X25519KeyPair, context: string, box: Uint8Array): Uint8Array {
  checkContext(context);
  assertBytes(box, 'sealed box');
  if (box.length < HEADER_BYTES + XCHACHA_TAG_BYTES || box[0] !== SEAL_VERSION) throw decryptFailed();
  const ephemeral = box.subarray(1, 33);
  const nonce = box.subarray(33, HEADER_BYTES);
  let shared: Uint8Array;
  try {
    shared = x25519SharedSecret(recipient.secretKey, ephemeral);
  } catch {
    throw decryptFailed();
  }
  const key = boxKey(shared, ephemeral, recipient.publicKey, context);
  try {
    return xchachaOpen(key, nonce, box.subarray(HEADER_BYTES), boxAd(context, ephemeral, recipient.publicKey));
  } finally {
    wipe(shared, key);
  }
}
