/**
 * What differs between Node and the browser. Each implementation is chosen by the package's
 * `#platform` import condition, so the browser bundle never sees `node:` modules.
 */
export interface Platform {
  readonly name: 'node' | 'browser';
  randomBytes(length: number): Uint8Array;
  /**
   * XChaCha20-Poly1305 encryption; returns prefix || ciphertext || 16-byte tag, written once
   * into one buffer (a framing header costs no extra copy of the ciphertext). Inputs are pre-checked.
   */
  xchachaSeal(
    key: Uint8Array,
    nonce: Uint8Array,
    plaintext: Uint8Array,
    aad: Uint8Array,
    prefix?: Uint8Array,
  ): Uint8Array;
  /** XChaCha20-Poly1305 decryption; returns null when the tag does not verify. */
  xchachaOpen(key: Uint8Array, nonce: Uint8Array, sealed: Uint8Array, aad: Uint8Array): Uint8Array | null;
  /** base^exponent mod modulus, for 0 <= base < modulus, exponent >= 0, odd modulus > 2^512. */
  modPow(base: bigint, exponent: bigint, modulus: bigint): bigint;
  /** SHA-256 (FIPS 180-4). */
  sha256(data: Uint8Array): Uint8Array;
  /** Ed25519 (RFC 8032) signature of `message` by the 32-byte secret seed. */
  ed25519Sign(secretKey: Uint8Array, message: Uint8Array): Uint8Array;
  /** Strict RFC 8032 verification (canonical encodings only); false, never a throw, for bad input. */
  ed25519Verify(publicKey: Uint8Array, message: Uint8Array, signature: Uint8Array): boolean;
  /**
   * Many verifications, each with ed25519Verify's verdict; a platform with a faster asynchronous
   * verifier than its own synchronous one (WebCrypto in a browser, against JavaScript) uses it here.
   */
  ed25519VerifyMany(items: readonly Ed25519Item[]): Promise<boolean[]>;
}

export interface Ed25519Item {
  publicKey: Uint8Array;
  message: Uint8Array;
  signature: Uint8Array;
}
