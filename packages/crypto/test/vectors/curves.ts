import { x25519SharedSecret } from '../../src/seal/open-sealed.ts';
import { ed25519VerifyManyRaw, ed25519VerifyRaw } from '../../src/verify-signature.ts';
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

/**
 * Wycheproof x25519_test.json. Valid and acceptable cases must give the listed shared secret,
 * except those whose shared secret is all zero (low-order public keys): Aura refuses those
 * with AURA_CRYPTO_LOW_ORDER_POINT, which Wycheproof allows ("acceptable").
 */
export function runX25519Vectors(
  file: WycheproofFile<{ public: string; private: string; shared: string }>,
): VectorReport {
  const report = newReport('x25519');
  for (const { test } of allTests(file)) {
    const id = `tc${test.tcId}`;
    const zero = /^0+$/.test(test.shared);
    if (zero) {
      const code = errorCode(() => x25519SharedSecret(hex(test.private), hex(test.public)));
      record(report, id, code === 'AURA_CRYPTO_LOW_ORDER_POINT', `got ${code}`);
      continue;
    }
    if (test.result === 'invalid') {
      record(report, id, errorCode(() => x25519SharedSecret(hex(test.private), hex(test.public))) !== undefined);
      continue;
    }
    let shared = '';
    try {
      shared = toHex(x25519SharedSecret(hex(test.private), hex(test.public)));
    } catch (e) {
      shared = String(e);
    }
    record(report, id, shared === test.shared, shared);
  }
  return report;
}

/** Wycheproof ed25519_test.json: strict RFC 8032 verification, every invalid case refused. */
export function runEd25519Vectors(file: WycheproofFile<{ msg: string; sig: string }>): VectorReport {
  const report = newReport('ed25519');
  for (const { group, test } of allTests(file)) {
    const pk = hex((group.publicKey as { pk: string }).pk);
    const ok = ed25519VerifyRaw(pk, hex(test.msg), hex(test.sig));
    record(report, `tc${test.tcId}`, ok === (test.result === 'valid'));
  }
  return report;
}

/**
 * The same Wycheproof cases through the many-at-once path (WebCrypto in a browser): its verdict
 * on every case must be the one the single path gives, valid or not.
 */
export async function runEd25519ManyVectors(file: WycheproofFile<{ msg: string; sig: string }>): Promise<VectorReport> {
  const report = newReport('ed25519 many');
  const cases = allTests(file).map(({ group, test }) => ({
    id: `tc${test.tcId}`,
    valid: test.result === 'valid',
    item: { publicKey: hex((group.publicKey as { pk: string }).pk), message: hex(test.msg), signature: hex(test.sig) },
  }));
  const verdicts = await ed25519VerifyManyRaw(cases.map((c) => c.item));
  cases.forEach((c, i) => {
    record(report, c.id, verdicts[i] === c.valid, `got ${verdicts[i]}`);
  });
  return report;
}
