import { chacha20poly1305 } from '@noble/ciphers/chacha.js';
import {
  allTests,
  errorCode,
  hex,
  newReport,
  record,
  toHex,
  type VectorReport,
  type WycheproofFile,
} from './report.ts';

export interface AeadCase {
  key: string;
  iv: string;
  aad: string;
  msg: string;
  ct: string;
  tag: string;
}

export interface XchachaImpl {
  name: string;
  seal(key: Uint8Array, nonce: Uint8Array, msg: Uint8Array, aad: Uint8Array): Uint8Array;
  /** Throws AURA_CRYPTO_DECRYPT_FAILED when the tag does not verify. */
  open(key: Uint8Array, nonce: Uint8Array, sealed: Uint8Array, aad: Uint8Array): Uint8Array;
}

/**
 * Wycheproof xchacha20_poly1305_test.json. Valid: encryption gives ct || tag and decryption
 * gives msg. Invalid: decryption fails with AURA_CRYPTO_DECRYPT_FAILED, or (wrong nonce size)
 * both directions fail with AURA_INVALID_INPUT.
 */
export function runXchachaVectors(file: WycheproofFile<AeadCase>, impl: XchachaImpl): VectorReport {
  const report = newReport(`xchacha20-poly1305 [${impl.name}]`);
  for (const { test } of allTests(file)) {
    const [key, iv, aad, msg] = [hex(test.key), hex(test.iv), hex(test.aad), hex(test.msg)];
    const sealed = hex(test.ct + test.tag);
    const id = `tc${test.tcId}`;
    if (test.result === 'valid') {
      let ok = false;
      try {
        ok =
          toHex(impl.seal(key, iv, msg, aad)) === toHex(sealed) && toHex(impl.open(key, iv, sealed, aad)) === test.msg;
      } catch (e) {
        record(report, id, false, String(e));
        continue;
      }
      record(report, id, ok);
    } else if (iv.length !== 24) {
      const code = errorCode(() => impl.open(key, iv, sealed, aad));
      record(
        report,
        id,
        code === 'AURA_INVALID_INPUT' && errorCode(() => impl.seal(key, iv, msg, aad)) === 'AURA_INVALID_INPUT',
        `got ${code}`,
      );
    } else {
      const code = errorCode(() => impl.open(key, iv, sealed, aad));
      record(report, id, code === 'AURA_CRYPTO_DECRYPT_FAILED', `got ${code}`);
    }
  }
  return report;
}

/**
 * Wycheproof chacha20_poly1305_test.json on @noble/ciphers' RFC 8439 ChaCha20-Poly1305, the
 * inner construction of XChaCha20-Poly1305.
 */
export function runChachaVectors(file: WycheproofFile<AeadCase>): VectorReport {
  const report = newReport('chacha20-poly1305 [noble]');
  for (const { test } of allTests(file)) {
    const [key, iv, aad, msg] = [hex(test.key), hex(test.iv), hex(test.aad), hex(test.msg)];
    const sealed = hex(test.ct + test.tag);
    let opened: string | undefined;
    let encrypted: string | undefined;
    try {
      opened = toHex(chacha20poly1305(key, iv, aad).decrypt(sealed));
      encrypted = toHex(chacha20poly1305(key, iv, aad).encrypt(msg));
    } catch {
      // refused
    }
    if (test.result === 'valid') record(report, `tc${test.tcId}`, opened === test.msg && encrypted === toHex(sealed));
    else record(report, `tc${test.tcId}`, opened === undefined);
  }
  return report;
}
