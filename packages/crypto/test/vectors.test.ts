import assert from 'node:assert/strict';
import { createCipheriv, createDecipheriv } from 'node:crypto';
import { describe, it } from 'node:test';
import { checkedXchacha } from '../src/aead.ts';
import { portableXchachaOpen, portableXchachaSeal } from '../src/platform/portable.ts';
import { type AeadCase, runChachaVectors, runXchachaVectors } from './vectors/aead.ts';
import { platformXchacha } from './vectors/all.ts';
import { type Argon2VectorFile, runArgon2Vectors } from './vectors/argon2.ts';
import { runEd25519ManyVectors, runEd25519Vectors, runX25519Vectors } from './vectors/curves.ts';
import { loadVectorFiles } from './vectors/files.ts';
import { runHkdfVectors, runHmacVectors } from './vectors/kdf.ts';
import { allTests, hex, newReport, record, toHex, type VectorReport, type WycheproofFile } from './vectors/report.ts';
import { runSrpVectors } from './vectors/srp.ts';

const files = loadVectorFiles();
const wp = <T>(d: unknown) => d as WycheproofFile<T>;

function assertClean(report: VectorReport, expectedTotal?: number) {
  assert.deepEqual(report.failures, [], `${report.failures.length} of ${report.total} ${report.suite} vectors failed`);
  assert.ok(report.total > 0, `${report.suite}: no vector ran`);
  if (expectedTotal !== undefined) assert.equal(report.total, expectedTotal, `${report.suite}: every case must run`);
}

describe('published vectors (Node code paths)', () => {
  const xchachaCount = wp(files.xchacha).numberOfTests;

  it('Wycheproof XChaCha20-Poly1305 on the Node fast path (OpenSSL behind HChaCha20)', () => {
    assert.equal(platformXchacha.name, 'node');
    assertClean(runXchachaVectors(wp<AeadCase>(files.xchacha), platformXchacha), xchachaCount);
  });

  it('Wycheproof XChaCha20-Poly1305 on the @noble/ciphers path (the browser engine)', () => {
    const impl = { name: 'noble', ...checkedXchacha(portableXchachaSeal, portableXchachaOpen) };
    assertClean(runXchachaVectors(wp<AeadCase>(files.xchacha), impl), xchachaCount);
  });

  it('Wycheproof ChaCha20-Poly1305 on @noble/ciphers and on node:crypto (the inner construction)', () => {
    const file = wp<AeadCase>(files.chacha);
    assertClean(runChachaVectors(file), file.numberOfTests);
    const report = newReport('chacha20-poly1305 [node:crypto]');
    for (const { test } of allTests(file)) {
      const [key, iv, aad] = [hex(test.key), hex(test.iv), hex(test.aad)];
      let opened: string | undefined;
      try {
        const d = createDecipheriv('chacha20-poly1305', key, iv, { authTagLength: 16 });
        d.setAuthTag(hex(test.tag));
        d.setAAD(aad, { plaintextLength: hex(test.ct).length });
        opened = toHex(Buffer.concat([d.update(hex(test.ct)), d.final()]));
      } catch {
        opened = undefined;
      }
      if (test.result === 'valid') {
        const c = createCipheriv('chacha20-poly1305', key, iv, { authTagLength: 16 });
        c.setAAD(aad, { plaintextLength: hex(test.msg).length });
        const ct = toHex(Buffer.concat([c.update(hex(test.msg)), c.final(), c.getAuthTag()]));
        record(report, `tc${test.tcId}`, opened === test.msg && ct === test.ct + test.tag);
      } else {
        record(report, `tc${test.tcId}`, opened === undefined);
      }
    }
    assertClean(report, file.numberOfTests);
  });

  it('Wycheproof HKDF-SHA256, including the over-long outputs', () => {
    assertClean(runHkdfVectors(wp(files.hkdf)), wp(files.hkdf).numberOfTests);
  });

  it('Wycheproof HMAC-SHA256, including truncated and modified tags', () => {
    assertClean(runHmacVectors(wp(files.hmac)), wp(files.hmac).numberOfTests);
  });

  it('Wycheproof X25519, low-order points refused', () => {
    assertClean(runX25519Vectors(wp(files.x25519)), wp(files.x25519).numberOfTests);
  });

  it('Wycheproof Ed25519, every invalid signature refused', () => {
    assertClean(runEd25519Vectors(wp(files.ed25519)), wp(files.ed25519).numberOfTests);
  });

  it('Wycheproof Ed25519 through verifySignatures’ many-at-once path: the same verdicts', async () => {
    assertClean(await runEd25519ManyVectors(wp(files.ed25519)), wp(files.ed25519).numberOfTests);
  });

  it('SRP-6a: RFC 5054 Appendix B and all 54 secure-remote-password vectors', () => {
    const report = runSrpVectors(files.srp as Parameters<typeof runSrpVectors>[0]);
    assertClean(report);
    // The x check, then 9 checks for each RFC vector (RFC 5054 defines no K, M1, M2) and 12 for
    // each srptools vector, which has them.
    assert.equal(report.total, 1 + 9 + 9 + 54 * 12);
  });

  it('Argon2id: RFC 9106 §5.3 and the reference implementation test.c cases', async () => {
    const report = await runArgon2Vectors(files.argon2 as Argon2VectorFile);
    assertClean(report);
    // RFC 9106 argon2id (tag + altered AD) and 8 test.c argon2id cases (tag + flipped password).
    assert.equal(report.total, 2 + 8 * 2);
  });
});
