import { AuraError } from '@aura/errors';
import { x25519 } from '@noble/curves/ed25519.js';
import { platform } from '#platform';
import { XCHACHA_NONCE_BYTES, xchachaSeal } from '../aead.ts';
import { assertBytes, concatBytes, wipe } from '../bytes.ts';
import { boxAd, boxKey, checkContext, isAllZero, SEAL_VERSION } from './format.ts';

/**
 * Sealing to a public key (format.ts has the layout). The server may do this (a notification to a
 * device, a grant to a support agent), so this module holds nothing that takes a long-lived secret
 * key: the agreement below is with a key made here and wiped here.
 */

export interface X25519KeyPair {
  readonly secretKey: Uint8Array;
  readonly publicKey: Uint8Array;
}

export function generateX25519KeyPair(): X25519KeyPair {
  const secretKey = platform.randomBytes(32);
  return { secretKey, publicKey: x25519.getPublicKey(secretKey) };
}

function ephemeralAgreement(ephemeralSecret: Uint8Array, recipientPublicKey: Uint8Array): Uint8Array {
  let shared: Uint8Array;
  try {
    shared = x25519.scalarMult(ephemeralSecret, recipientPublicKey);
  } catch {
    shared = new Uint8Array(32);
  }
  if (isAllZero(shared)) {
    throw new AuraError(
      'AURA_CRYPTO_LOW_ORDER_POINT',
      'the X25519 public key is of low order (it would give an all-zero shared secret); refusing it',
    );
  }
  return shared;
}

export function sealTo(recipientPublicKey: Uint8Array, context: string, plaintext: Uint8Array): Uint8Array {
  assertBytes(recipientPublicKey, 'recipient public key', 32);
  checkContext(context);
  assertBytes(plaintext, 'plaintext');
  const ephemeral = generateX25519KeyPair();
  const shared = ephemeralAgreement(ephemeral.secretKey, recipientPublicKey);
  const key = boxKey(shared, ephemeral.publicKey, recipientPublicKey, context);
  const nonce = platform.randomBytes(XCHACHA_NONCE_BYTES);
  try {
    const sealed = xchachaSeal(key, nonce, plaintext, boxAd(context, ephemeral.publicKey, recipientPublicKey));
    return concatBytes(Uint8Array.of(SEAL_VERSION), ephemeral.publicKey, nonce, sealed);
  } finally {
    wipe(shared, key, ephemeral.secretKey);
  }
}
