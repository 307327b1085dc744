import { hkdfSha256, hmacSha256, verifyHmacSha256 } from '../../src/hkdf.ts';
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

export function runHkdfVectors(
  file: WycheproofFile<{ ikm: string; salt: string; info: string; size: number; okm: string }>,
): VectorReport {
  const report = newReport('hkdf-sha256');
  for (const { test } of allTests(file)) {
    const id = `tc${test.tcId}`;
    // Wycheproof's empty salt means "no salt", which RFC 5869 defines as HashLen zero bytes.
    const salt = test.salt.length ? hex(test.salt) : undefined;
    if (test.result === 'valid') {
      let okm = '';
      try {
        okm = toHex(hkdfSha256(hex(test.ikm), salt, hex(test.info), test.size));
      } catch (e) {
        okm = String(e);
      }
      record(report, id, okm === test.okm);
    } else {
      const code = errorCode(() => hkdfSha256(hex(test.ikm), salt, hex(test.info), test.size));
      record(report, id, code === 'AURA_CRYPTO_KEY_OUTPUT_TOO_LONG', `got ${code}`);
    }
  }
  return report;
}

export function runHmacVectors(file: WycheproofFile<{ key: string; msg: string; tag: string }>): VectorReport {
  const report = newReport('hmac-sha256');
  for (const { group, test } of allTests(file)) {
    const id = `tc${test.tcId}`;
    const [key, msg, tag] = [hex(test.key), hex(test.msg), hex(test.tag)];
    const tagBytes = (group.tagSize as number) / 8;
    const verifies = verifyHmacSha256(key, msg, tag);
    if (test.result === 'valid') {
      const computed = toHex(hmacSha256(key, msg).subarray(0, tagBytes));
      record(report, id, verifies && computed === test.tag);
    } else {
      record(report, id, !verifies);
    }
  }
  return report;
}
