import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import {
  assertSignature,
  generateEd25519KeyPair,
  generateX25519KeyPair,
  keyFingerprint,
  openSealed,
  sealTo,
  sign,
  verifySignature,
  verifySignatures,
} from '../src/index.ts';
import { errorCode } from './vectors/report.ts';

const text = (s: string) => new TextEncoder().encode(s);

describe('X25519 sealed boxes', () => {
  const device = generateX25519KeyPair();

  it('round-trip to the recipient only, for the context it was sealed for', () => {
    const box = sealTo(device.publicKey, 'device-enrollment', text('account key'));
    assert.deepEqual(openSealed(device, 'device-enrollment', box), text('account key'));
    assert.equal(
      errorCode(() => openSealed(device, 'support-grant', box)),
      'AURA_CRYPTO_DECRYPT_FAILED',
    );
    assert.equal(
      errorCode(() => openSealed(generateX25519KeyPair(), 'device-enrollment', box)),
      'AURA_CRYPTO_DECRYPT_FAILED',
    );
  });

  it('property: any flipped bit or truncation fails with AURA_CRYPTO_DECRYPT_FAILED', () => {
    const box = sealTo(device.publicKey, 'device-enrollment', text('account key'));
    fc.assert(
      fc.property(fc.nat({ max: box.length * 8 - 1 }), fc.nat({ max: box.length - 1 }), (bit, cut) => {
        const bad = box.slice();
        bad[bit >> 3] = (bad[bit >> 3] ?? 0) ^ (1 << (bit & 7));
        return (
          errorCode(() => openSealed(device, 'device-enrollment', bad)) === 'AURA_CRYPTO_DECRYPT_FAILED' &&
          errorCode(() => openSealed(device, 'device-enrollment', box.subarray(0, cut))) ===
            'AURA_CRYPTO_DECRYPT_FAILED'
        );
      }),
      { numRuns: 300 },
    );
  });

  it('refuses to seal to a low-order public key', () => {
    const lowOrder = [new Uint8Array(32), Uint8Array.of(1, ...new Uint8Array(31))];
    for (const pk of lowOrder) {
      assert.equal(
        errorCode(() => sealTo(pk, 'device-enrollment', text('x'))),
        'AURA_CRYPTO_LOW_ORDER_POINT',
      );
    }
  });
});

describe('Ed25519 signatures with a context per use', () => {
  const device = generateEd25519KeyPair();
  const message = text('task 1, step 2, approve');

  it('verify for the same context and key only', () => {
    const sig = sign(device.secretKey, 'approval', message);
    assert.equal(verifySignature(device.publicKey, 'approval', message, sig), true);
    assert.equal(verifySignature(device.publicKey, 'audit-checkpoint', message, sig), false);
    assert.equal(verifySignature(generateEd25519KeyPair().publicKey, 'approval', message, sig), false);
    assert.equal(verifySignature(device.publicKey, 'approval', text('task 1, step 2, reject'), sig), false);
    assert.equal(
      errorCode(() => assertSignature(device.publicKey, 'audit-checkpoint', message, sig)),
      'AURA_CRYPTO_BAD_SIGNATURE',
    );
  });

  it('property: a flipped bit anywhere in the signature fails', () => {
    const sig = sign(device.secretKey, 'approval', message);
    fc.assert(
      fc.property(fc.nat({ max: 511 }), (bit) => {
        const bad = sig.slice();
        bad[bit >> 3] = (bad[bit >> 3] ?? 0) ^ (1 << (bit & 7));
        return !verifySignature(device.publicKey, 'approval', message, bad);
      }),
    );
  });

  it('property: verifySignatures gives each check verifySignature’s verdict, in order', async () => {
    const other = generateEd25519KeyPair();
    await fc.assert(
      fc.asyncProperty(
        fc.array(
          fc.record({ flip: fc.option(fc.nat({ max: 511 })), otherKey: fc.boolean(), otherContext: fc.boolean() }),
          { maxLength: 12 },
        ),
        async (cases) => {
          const sig = sign(device.secretKey, 'vault-change', message);
          const checks = cases.map((c) => {
            const signature = sig.slice();
            if (c.flip !== null) signature[c.flip >> 3] = (signature[c.flip >> 3] ?? 0) ^ (1 << (c.flip & 7));
            return {
              publicKey: c.otherKey ? other.publicKey : device.publicKey,
              context: c.otherContext ? 'device-change' : 'vault-change',
              message,
              signature,
            };
          });
          const many = await verifySignatures(checks);
          assert.deepEqual(
            many,
            checks.map((c) => verifySignature(c.publicKey, c.context, c.message, c.signature)),
          );
          assert.deepEqual(
            many,
            cases.map((c) => c.flip === null && !c.otherKey && !c.otherContext),
          );
        },
      ),
    );
  });

  it('fingerprints are stable, 10 groups of 4 hex digits, and differ per key', () => {
    const fp = keyFingerprint(device.publicKey);
    assert.match(fp, /^([0-9a-f]{4} ){9}[0-9a-f]{4}$/);
    assert.equal(keyFingerprint(device.publicKey), fp);
    assert.notEqual(keyFingerprint(generateEd25519KeyPair().publicKey), fp);
  });
});
