import { ed25519 } from '@noble/curves/ed25519.js';
import { sha256 } from '@noble/hashes/sha2.js';
import { platform } from '#platform';
import { assertBytes, bytesToHex, concatBytes, utf8ToBytes } from './bytes.ts';
import { type SignatureContext, signedBytes } from './verify-signature.ts';

/** Signing with a device's secret key: client only (the server imports verify-signature.ts, never this). */

export interface Ed25519KeyPair {
  readonly secretKey: Uint8Array;
  readonly publicKey: Uint8Array;
}

export function generateEd25519KeyPair(): Ed25519KeyPair {
  const secretKey = platform.randomBytes(32);
  return { secretKey, publicKey: ed25519.getPublicKey(secretKey) };
}

export function sign(secretKey: Uint8Array, context: SignatureContext, message: Uint8Array): Uint8Array {
  assertBytes(secretKey, 'Ed25519 secret key', 32);
  return platform.ed25519Sign(secretKey, signedBytes(context, message));
}

/**
 * A fingerprint a person can compare between two screens (M8): SHA-256 over a label and the
 * key, the first 20 bytes as 10 groups of 4 hex digits.
 */
export function keyFingerprint(publicKey: Uint8Array): string {
  assertBytes(publicKey, 'public key');
  const digest = sha256(concatBytes(utf8ToBytes('aura/v1/fingerprint\0'), publicKey)).subarray(0, 20);
  return (bytesToHex(digest).match(/.{4}/g) ?? []).join(' ');
}
