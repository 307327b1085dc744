import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { junkValues } from '@aura/testing';
import fc from 'fast-check';
import sodium from 'libsodium-wrappers';
import { xchachaSeal } from '../src/aead.ts';
import { xchachaOpen } from '../src/aead-open.ts';
import {
  deriveCollectionKey,
  generateAccountKey,
  openEnvelope,
  paddedLength,
  readEnvelopeHeader,
  sealEnvelope,
} from '../src/index.ts';
import { portableXchachaOpen, portableXchachaSeal } from '../src/platform/portable.ts';
import { errorCode } from './vectors/report.ts';

const account = generateAccountKey();
const key = deriveCollectionKey(account, 'contexts');
const slot = { userId: 'u-1', collection: 'contexts', recordId: 'r-1' };
const text = (s: string) => new TextEncoder().encode(s);

describe('envelope', () => {
  it('round-trips, with and without padding, for empty and large plaintexts', () => {
    for (const size of [0, 1, 31, 32, 4095, 4096, 100_000]) {
      const plaintext = new Uint8Array(size).map((_, i) => i % 251);
      for (const pad of [false, true]) {
        const env = sealEnvelope(key, slot, plaintext, { pad });
        assert.deepEqual(openEnvelope(key, slot, env), plaintext);
        if (pad) assert.equal(env.length, 43 + paddedLength(size) + 16);
      }
    }
  });

  it('uses a fresh random nonce each time: the same plaintext never gives the same bytes', () => {
    const a = sealEnvelope(key, slot, text('same'));
    const b = sealEnvelope(key, slot, text('same'));
    assert.notDeepEqual(a.subarray(19, 43), b.subarray(19, 43));
  });

  it('reads its header: version 1, XChaCha20-Poly1305, the key id', () => {
    const header = readEnvelopeHeader(sealEnvelope(key, slot, text('x'), { pad: true }));
    assert.deepEqual([header.version, header.algorithm, header.padded], [1, 1, true]);
    assert.deepEqual(header.keyId, key.id);
    const future = sealEnvelope(key, slot, text('x'));
    future[0] = 2;
    assert.equal(
      errorCode(() => readEnvelopeHeader(future)),
      'AURA_CRYPTO_UNSUPPORTED_FORMAT',
    );
  });

  it('property: any flipped bit fails with the one typed error', () => {
    const env = sealEnvelope(key, slot, text('a secret note about John'), { pad: true });
    fc.assert(
      fc.property(fc.nat({ max: env.length * 8 - 1 }), (bit) => {
        const bad = env.slice();
        bad[bit >> 3] = (bad[bit >> 3] ?? 0) ^ (1 << (bit & 7));
        return errorCode(() => openEnvelope(key, slot, bad)) === 'AURA_CRYPTO_DECRYPT_FAILED';
      }),
      { numRuns: 500 },
    );
  });

  it('property: any truncation or extension fails with the one typed error', () => {
    const env = sealEnvelope(key, slot, text('meeting with John at 3pm'));
    fc.assert(
      fc.property(fc.nat({ max: env.length - 1 }), fc.uint8Array({ minLength: 1, maxLength: 8 }), (cut, extra) => {
        const truncated = env.subarray(0, cut);
        const extended = new Uint8Array([...env, ...extra]);
        return (
          errorCode(() => openEnvelope(key, slot, truncated)) === 'AURA_CRYPTO_DECRYPT_FAILED' &&
          errorCode(() => openEnvelope(key, slot, extended)) === 'AURA_CRYPTO_DECRYPT_FAILED'
        );
      }),
    );
  });

  it('a wrong key, or any other slot, fails with the same error and message', () => {
    const env = sealEnvelope(key, slot, text('x'));
    const failures = [
      () => openEnvelope(deriveCollectionKey(account, 'contexts', 2), slot, env),
      () => openEnvelope(deriveCollectionKey(generateAccountKey(), 'contexts'), slot, env),
      () => openEnvelope(key, { ...slot, userId: 'u-2' }, env),
      () => openEnvelope(key, { ...slot, collection: 'people' }, env),
      () => openEnvelope(key, { ...slot, recordId: 'r-2' }, env),
    ].map((f) => {
      try {
        f();
        return 'opened';
      } catch (e) {
        return `${(e as { code: string }).code}: ${(e as Error).message}`;
      }
    });
    assert.equal(new Set(failures).size, 1);
    assert.match(failures[0] ?? '', /^AURA_CRYPTO_DECRYPT_FAILED/);
  });

  it('property: the Node fast path and the @noble/ciphers path give identical bytes and open each other', () => {
    fc.assert(
      fc.property(
        fc.uint8Array({ minLength: 32, maxLength: 32 }),
        fc.uint8Array({ minLength: 24, maxLength: 24 }),
        fc.uint8Array({ maxLength: 2048 }),
        fc.uint8Array({ maxLength: 64 }),
        (k, nonce, msg, aad) => {
          const fast = xchachaSeal(k, nonce, msg, aad);
          const portable = portableXchachaSeal(k, nonce, msg, aad);
          assert.deepEqual(fast, portable);
          assert.deepEqual(portableXchachaOpen(k, nonce, fast, aad), msg);
          assert.deepEqual(xchachaOpen(k, nonce, portable, aad), msg);
        },
      ),
      { numRuns: 300 },
    );
  });

  it('interop: libsodium crypto_aead_xchacha20poly1305_ietf_decrypt opens an Aura envelope, from docs/envelope-format.md alone', async () => {
    await sodium.ready;
    const plaintext = text('Lunch with Sarah, Tuesday 12:30');
    const env = sealEnvelope(key, slot, plaintext);
    // Rebuilt from the documented layout, not from Aura's code.
    const lp = (s: string) => {
      const b = text(s);
      const out = new Uint8Array(4 + b.length);
      new DataView(out.buffer).setUint32(0, b.length);
      out.set(b, 4);
      return out;
    };
    const ad = new Uint8Array([
      ...text('aura/v1/envelope\0'),
      ...env.subarray(0, 19),
      ...lp(slot.userId),
      ...lp(slot.collection),
      ...lp(slot.recordId),
    ]);
    const nonce = env.subarray(19, 43);
    const opened = sodium.crypto_aead_xchacha20poly1305_ietf_decrypt(null, env.subarray(43), ad, nonce, key.bytes);
    assert.deepEqual(new Uint8Array(opened), plaintext);
    // And the other way: libsodium seals, Aura opens.
    const sodiumSealed = sodium.crypto_aead_xchacha20poly1305_ietf_encrypt(plaintext, ad, null, nonce, key.bytes);
    assert.deepEqual(openEnvelope(key, slot, new Uint8Array([...env.subarray(0, 43), ...sodiumSealed])), plaintext);
  });

  it('refuses bad arguments with AURA_INVALID_INPUT naming the argument', () => {
    const cases: [() => unknown, RegExp][] = [
      [() => sealEnvelope(key, slot, 'text' as unknown as Uint8Array), /plaintext/],
      [() => sealEnvelope(key, { ...slot, recordId: 5 as unknown as string }, text('x')), /slot.recordId/],
      [() => sealEnvelope({ purpose: 'collection', id: new Uint8Array(3), bytes: key.bytes }, slot, text('x')), /key/],
      [() => sealEnvelope(key, slot, text('x'), { nonce: new Uint8Array(12) }), /nonce/],
    ];
    // Every value of the wrong type, as the plaintext and as a slot's field.
    for (const { value } of junkValues) {
      cases.push([() => sealEnvelope(key, slot, value as Uint8Array), /plaintext/]);
      cases.push([() => sealEnvelope(key, { ...slot, recordId: value as string }, text('x')), /slot.recordId/]);
    }
    for (const [fn, pattern] of cases) {
      assert.throws(fn, (e: Error & { code?: string }) => e.code === 'AURA_INVALID_INPUT' && pattern.test(e.message));
    }
  });
});
