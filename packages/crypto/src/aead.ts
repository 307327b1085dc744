import { AuraError } from '@aura/errors';
import { platform } from '#platform';
import { assertBytes } from './bytes.ts';

export const XCHACHA_KEY_BYTES = 32;
export const XCHACHA_NONCE_BYTES = 24;
export const XCHACHA_TAG_BYTES = 16;

type SealFn = (
  key: Uint8Array,
  nonce: Uint8Array,
  plaintext: Uint8Array,
  aad: Uint8Array,
  prefix?: Uint8Array,
) => Uint8Array;
type OpenFn = (key: Uint8Array, nonce: Uint8Array, sealed: Uint8Array, aad: Uint8Array) => Uint8Array | null;

/**
 * Raw XChaCha20-Poly1305 (draft-irtf-cfrg-xchacha) over one engine, with every input checked.
 * Callers inside this package add the framing and associated data. `seal` returns
 * ciphertext || tag; `open` throws the one AURA_CRYPTO_DECRYPT_FAILED on any failure.
 */
export function checkedXchacha(sealFn: SealFn, openFn: OpenFn) {
  return {
    /** Returns prefix || ciphertext || tag. */
    seal(key: Uint8Array, nonce: Uint8Array, plaintext: Uint8Array, aad: Uint8Array, prefix?: Uint8Array): Uint8Array {
      assertBytes(key, 'key', XCHACHA_KEY_BYTES);
      assertBytes(nonce, 'nonce', XCHACHA_NONCE_BYTES);
      assertBytes(plaintext, 'plaintext');
      assertBytes(aad, 'associated data');
      if (prefix !== undefined) assertBytes(prefix, 'prefix');
      return sealFn(key, nonce, plaintext, aad, prefix);
    },
    open(key: Uint8Array, nonce: Uint8Array, sealed: Uint8Array, aad: Uint8Array): Uint8Array {
      assertBytes(key, 'key', XCHACHA_KEY_BYTES);
      assertBytes(nonce, 'nonce', XCHACHA_NONCE_BYTES);
      assertBytes(sealed, 'ciphertext');
      assertBytes(aad, 'associated data');
      const plaintext = openFn(key, nonce, sealed, aad);
      if (plaintext === null) throw decryptFailed();
      return plaintext;
    },
  };
}

/**
 * This platform's engine (OpenSSL in Node, @noble/ciphers in the browser), sealing half. The
 * opening half is aead-open.ts, so that sealing to a public key (the server may) does not pull
 * in decryption (it may not).
 */
export const xchachaSeal = checkedXchacha(platform.xchachaSeal, platform.xchachaOpen).seal;

/** One error for every way a ciphertext can fail to open, so the failure says nothing more. */
export function decryptFailed(): AuraError {
  return new AuraError(
    'AURA_CRYPTO_DECRYPT_FAILED',
    'the data could not be decrypted: it was altered, or belongs to another key or record',
  );
}

export const platformName = platform.name;
