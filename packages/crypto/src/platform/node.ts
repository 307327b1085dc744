import { createCipheriv, createDecipheriv, createDiffieHellman, type DiffieHellman, randomFillSync } from 'node:crypto';
import { hchacha } from '@noble/ciphers/chacha.js';
import { bigIntToMinimalBytes, bytesToBigInt } from '../bytes.ts';
import { portableModPow } from './portable.ts';
import type { Platform } from './types.ts';

// "expand 32-byte k" as little-endian words: the ChaCha constants HChaCha20 starts from.
const SIGMA = new Uint32Array([0x61707865, 0x3320646e, 0x79622d32, 0x6b206574]);

function leWords(bytes: Uint8Array): Uint32Array {
  const words = new Uint32Array(bytes.length / 4);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  for (let i = 0; i < words.length; i++) words[i] = view.getUint32(i * 4, true);
  return words;
}

/**
 * XChaCha20-Poly1305 = ChaCha20-Poly1305 (RFC 8439) under the HChaCha20 subkey of
 * (key, nonce[0..16]) with the 12-byte nonce 0^4 || nonce[16..24]
 * (draft-irtf-cfrg-xchacha §2.3). HChaCha20 is one block of work in JavaScript; the bulk
 * runs in OpenSSL.
 */
function subkeyAndNonce(key: Uint8Array, nonce: Uint8Array): [Buffer, Buffer] {
  const out = new Uint32Array(8);
  hchacha(SIGMA, leWords(key), leWords(nonce.subarray(0, 16)), out);
  const subkey = Buffer.alloc(32);
  for (let i = 0; i < 8; i++) subkey.writeUInt32LE(out[i] ?? 0, i * 4);
  out.fill(0);
  const iv = Buffer.alloc(12);
  iv.set(nonce.subarray(16, 24), 4);
  return [subkey, iv];
}

function xchachaSeal(key: Uint8Array, nonce: Uint8Array, plaintext: Uint8Array, aad: Uint8Array) {
  const [subkey, iv] = subkeyAndNonce(key, nonce);
  const cipher = createCipheriv('chacha20-poly1305', subkey, iv, { authTagLength: 16 });
  subkey.fill(0);
  cipher.setAAD(aad, { plaintextLength: plaintext.length });
  const body = cipher.update(plaintext);
  cipher.final();
  const out = new Uint8Array(body.length + 16);
  out.set(body, 0);
  out.set(cipher.getAuthTag(), body.length);
  return out;
}

function xchachaOpen(key: Uint8Array, nonce: Uint8Array, sealed: Uint8Array, aad: Uint8Array) {
  if (sealed.length < 16) return null;
  const [subkey, iv] = subkeyAndNonce(key, nonce);
  const decipher = createDecipheriv('chacha20-poly1305', subkey, iv, { authTagLength: 16 });
  subkey.fill(0);
  const split = sealed.length - 16;
  decipher.setAuthTag(sealed.subarray(split));
  decipher.setAAD(aad, { plaintextLength: split });
  const plaintext = decipher.update(sealed.subarray(0, split));
  try {
    decipher.final();
  } catch {
    plaintext.fill(0);
    return null;
  }
  return new Uint8Array(plaintext.buffer, plaintext.byteOffset, plaintext.byteLength);
}

// Building a DiffieHellman object runs a primality check on the modulus: do it once per group.
const dhByModulus = new Map<bigint, DiffieHellman>();

/**
 * Modular exponentiation through OpenSSL's Diffie-Hellman: with private key e,
 * computeSecret(b) is b^e mod p, in native constant-time code. OpenSSL refuses bases
 * outside [2, p-2] and a zero exponent; those trivial cases take the portable path.
 */
function modPow(base: bigint, exponent: bigint, modulus: bigint): bigint {
  const b = base % modulus;
  if (exponent === 0n || b < 2n || b > modulus - 2n) return portableModPow(b, exponent, modulus);
  let dh = dhByModulus.get(modulus);
  if (!dh) {
    dh = createDiffieHellman(Buffer.from(bigIntToMinimalBytes(modulus)), Buffer.from([2]));
    dhByModulus.set(modulus, dh);
  }
  dh.setPrivateKey(Buffer.from(bigIntToMinimalBytes(exponent)));
  return bytesToBigInt(dh.computeSecret(Buffer.from(bigIntToMinimalBytes(b))));
}

export const platform: Platform = {
  name: 'node',
  randomBytes(length) {
    return randomFillSync(new Uint8Array(length));
  },
  xchachaSeal,
  xchachaOpen,
  modPow,
};
