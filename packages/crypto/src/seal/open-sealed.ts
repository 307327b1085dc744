import { AuraError } from '@aura/errors';
import { x25519 } from '@noble/curves/ed25519.js';
import { decryptFailed, XCHACHA_TAG_BYTES } from '../aead.ts';
import { xchachaOpen } from '../aead-open.ts';
import { assertBytes, wipe } from '../bytes.ts';
import { boxAd, boxKey, checkContext, HEADER_BYTES, isAllZero, SEAL_VERSION } from './format.ts';
import type { X25519KeyPair } from './seal-to.ts';

/** Opening a sealed box with a device's secret key, and the X25519 agreement it needs: client only. */

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
  if (isAllZero(shared)) {
    throw new AuraError('AURA_CRYPTO_LOW_ORDER_POINT', 'the X25519 shared secret is all zero; refusing it');
  }
  return shared;
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
