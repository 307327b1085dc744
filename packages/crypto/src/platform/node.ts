import {
  createCipheriv,
  createDecipheriv,
  createDiffieHellman,
  createHash,
  createPrivateKey,
  createPublicKey,
  type DiffieHellman,
  type KeyObject,
  sign as nodeSign,
  verify as nodeVerify,
  randomFillSync,
} from 'node:crypto';
import { hchacha } from '@noble/ciphers/chacha.js';
import { bigIntToMinimalBytes, bytesToBigInt } from '../bytes.ts';
import { portableModPow } from './portable.ts';
import type { Ed25519Item, Platform } from './types.ts';

// "expand 32-byte k" as little-endian words: the ChaCha constants HChaCha20 starts from.
const SIGMA = new Uint32Array([0x61707865, 0x3320646e, 0x79622d32, 0x6b206574]);

// HChaCha20's inputs and output pass through these few bytes, made once: for a 1 KiB record,
// fresh typed arrays per call (and moving them off V8's heap, which reading .buffer does) cost
// more than HChaCha20 itself. The key and subkey are zeroed before each call returns; the nonce
// is public. Each call fills them completely and is done with them before another can start.
// They are Uint32Array views in the platform's byte order, which is what @noble/ciphers' hchacha
// reads and writes on either endianness.
const keyWords = new Uint32Array(8);
const keyScratch = new Uint8Array(keyWords.buffer);
const nonceWords = new Uint32Array(4);
const nonceScratch = new Uint8Array(nonceWords.buffer);
const subkeyWords = new Uint32Array(8);
const subkey = new Uint8Array(subkeyWords.buffer);
const iv = new Uint8Array(12); // 0^4 || nonce[16..24]; its first four bytes are never written

/**
 * XChaCha20-Poly1305 = ChaCha20-Poly1305 (RFC 8439) under the HChaCha20 subkey of
 * (key, nonce[0..16]) with the 12-byte nonce 0^4 || nonce[16..24]
 * (draft-irtf-cfrg-xchacha §2.3). HChaCha20 is one block of work in JavaScript; the bulk
 * runs in OpenSSL, which copies the subkey into its own context: ours is zeroed at once.
 */
function chachaPoly<T>(key: Uint8Array, nonce: Uint8Array, create: (subkey: Uint8Array, iv: Uint8Array) => T): T {
  try {
    keyScratch.set(key);
    for (let i = 0; i < 16; i++) nonceScratch[i] = nonce[i] ?? 0;
    for (let i = 0; i < 8; i++) iv[4 + i] = nonce[16 + i] ?? 0;
    hchacha(SIGMA, keyWords, nonceWords, subkeyWords);
    return create(subkey, iv);
  } finally {
    keyScratch.fill(0);
    subkey.fill(0);
  }
}

const newCipher = (subkey: Uint8Array, iv: Uint8Array) =>
  createCipheriv('chacha20-poly1305', subkey, iv, { authTagLength: 16 });
const newDecipher = (subkey: Uint8Array, iv: Uint8Array) =>
  createDecipheriv('chacha20-poly1305', subkey, iv, { authTagLength: 16 });

const CHUNK_BYTES = 256 * 1024;
const NO_PREFIX = new Uint8Array(0);

function xchachaSeal(
  key: Uint8Array,
  nonce: Uint8Array,
  plaintext: Uint8Array,
  aad: Uint8Array,
  prefix: Uint8Array = NO_PREFIX,
) {
  const cipher = chachaPoly(key, nonce, newCipher);
  cipher.setAAD(aad, { plaintextLength: plaintext.length });
  // allocUnsafe: every byte is written below, so zero-filling 16 MiB first would be waste.
  const out = Buffer.allocUnsafe(prefix.length + plaintext.length + 16);
  out.set(prefix, 0);
  // Node's update() always returns a new buffer. Feeding it cache-sized chunks keeps that
  // buffer hot in cache and recycled by the allocator, so copying it into place is cheap.
  let offset = prefix.length;
  for (let start = 0; start < plaintext.length; start += CHUNK_BYTES) {
    const piece = cipher.update(plaintext.subarray(start, start + CHUNK_BYTES));
    out.set(piece, offset);
    offset += piece.length;
  }
  cipher.final();
  out.set(cipher.getAuthTag(), offset);
  return new Uint8Array(out.buffer, out.byteOffset, out.byteLength);
}

function xchachaOpen(key: Uint8Array, nonce: Uint8Array, sealed: Uint8Array, aad: Uint8Array) {
  if (sealed.length < 16) return null;
  const decipher = chachaPoly(key, nonce, newDecipher);
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

// Small random requests (nonces, ephemeral keys) come from a pool filled 4 KiB at a time:
// one getrandom call per ~170 nonces instead of one each. Bytes are zeroed as they leave.
const POOL_BYTES = 4096;
const pool = new Uint8Array(POOL_BYTES);
let poolOffset = POOL_BYTES;

function randomBytes(length: number): Uint8Array {
  if (length > 256) return randomFillSync(new Uint8Array(length));
  if (poolOffset + length > POOL_BYTES) {
    randomFillSync(pool);
    poolOffset = 0;
  }
  const out = pool.slice(poolOffset, poolOffset + length);
  pool.fill(0, poolOffset, poolOffset + length);
  poolOffset += length;
  return out;
}

// Ed25519 in OpenSSL: a verification costs tens of microseconds instead of a millisecond in
// JavaScript, which matters when a device replays a log of thousands of signed changes.
// Raw keys become KeyObjects through their fixed DER prefixes (RFC 8410).
const SPKI_PREFIX = Buffer.from('302a300506032b6570032100', 'hex');
const PKCS8_PREFIX = Buffer.from('302e020100300506032b657004220420', 'hex');
const publicKeys = new Map<string, KeyObject>();

function publicKeyObject(publicKey: Uint8Array): KeyObject {
  const id = Buffer.from(publicKey).toString('base64');
  let key = publicKeys.get(id);
  if (!key) {
    key = createPublicKey({ key: Buffer.concat([SPKI_PREFIX, publicKey]), format: 'der', type: 'spki' });
    if (publicKeys.size > 1024) publicKeys.clear();
    publicKeys.set(id, key);
  }
  return key;
}

// A device signs with one key: the last one is kept as a KeyObject (a copy of its bytes too,
// to know when another is asked for), not a map of secrets.
let lastSecret: { bytes: Buffer; key: KeyObject } | undefined;

function ed25519Sign(secretKey: Uint8Array, message: Uint8Array): Uint8Array {
  if (!lastSecret?.bytes.equals(secretKey)) {
    const der = Buffer.concat([PKCS8_PREFIX, secretKey]);
    lastSecret = { bytes: Buffer.from(secretKey), key: createPrivateKey({ key: der, format: 'der', type: 'pkcs8' }) };
    der.fill(0);
  }
  return new Uint8Array(nodeSign(null, message, lastSecret.key));
}

// Every Wycheproof case (non-canonical S, bad encodings, small-order keys) gives the same verdict
// here as in the portable code; vectors.test.ts runs them against this path.
function ed25519Verify(publicKey: Uint8Array, message: Uint8Array, signature: Uint8Array): boolean {
  if (publicKey.length !== 32 || signature.length !== 64) return false;
  try {
    return nodeVerify(null, message, publicKeyObject(publicKey), signature);
  } catch {
    return false;
  }
}

// OpenSSL answers in microseconds, synchronously: nothing to gain from going asynchronous.
const ed25519VerifyMany = async (items: readonly Ed25519Item[]): Promise<boolean[]> =>
  items.map((i) => ed25519Verify(i.publicKey, i.message, i.signature));

// Records are hashed on every read (their envelope against the signed history): OpenSSL, not JS.
const sha256 = (data: Uint8Array): Uint8Array => new Uint8Array(createHash('sha256').update(data).digest());

export const platform: Platform = {
  name: 'node',
  randomBytes,
  xchachaSeal,
  xchachaOpen,
  modPow,
  sha256,
  ed25519Sign,
  ed25519Verify,
  ed25519VerifyMany,
};
