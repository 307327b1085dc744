import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { junkValues } from '@aura/testing';
import fc from 'fast-check';
import sodium from 'libsodium-wrappers';
import { xchachaSeal } from '../src/aead.ts';
import { xchachaOpen } from '../src/aead-open.ts';
import {
  constantTimeEqual,
  deriveCollectionKey,
  generateAccountKey,
  openEnvelope,
  paddedLength,
  readEnvelopeHeader,
  sealEnvelope,
  symmetricKey,
} from '../src/index.ts';
import { portableXchachaOpen, portableXchachaSeal } from '../src/platform/portable.ts';
import { lengthPrefixed } from './length-prefixed.ts';
import { errorCode } from './vectors/report.ts';

const account = generateAccountKey();
const key = deriveCollectionKey(account, 'contexts');
const slot = { userId: 'u-1', collection: 'contexts', recordId: 'r-1' };
const text = (s: string) => new TextEncoder().encode(s);

/** The associated data as docs/envelope-format.md describes it, built without Aura's code. */
function documentedAd(header: Uint8Array, where: { userId: string; collection: string; recordId: string }) {
  const lp = lengthPrefixed;
  return new Uint8Array([
    ...text('aura/v1/envelope\0'),
    ...header.subarray(0, 19),
    ...lp(where.userId),
    ...lp(where.collection),
    ...lp(where.recordId),
  ]);
}

// Slot fields of every kind: ASCII, any UTF-16 code units (lone surrogates included), and long
// enough that the associated data outgrows the buffer the envelope code keeps for it.
const codeUnits = (maxLength: number) =>
  fc.array(fc.integer({ min: 0, max: 0xffff }), { maxLength }).map((units) => String.fromCharCode(...units));
const slotField = fc.oneof(fc.string({ maxLength: 40 }), codeUnits(40), fc.string({ minLength: 300, maxLength: 700 }));

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

  it('property: the Node fast path matches @noble/ciphers for keys and nonces at any byte offset, and leaves the key as it was', () => {
    const at = (bytes: Uint8Array, offset: number) => {
      const out = new Uint8Array(offset + bytes.length);
      out.set(bytes, offset);
      return out.subarray(offset);
    };
    fc.assert(
      fc.property(
        fc.uint8Array({ minLength: 32, maxLength: 32 }),
        fc.uint8Array({ minLength: 24, maxLength: 24 }),
        fc.uint8Array({ maxLength: 1100 }),
        fc.nat({ max: 7 }),
        fc.nat({ max: 7 }),
        (k, nonce, msg, keyOffset, nonceOffset) => {
          const shiftedKey = at(k, keyOffset);
          const shiftedNonce = at(nonce, nonceOffset);
          const fast = xchachaSeal(shiftedKey, shiftedNonce, msg, text('ad'));
          assert.deepEqual(fast, portableXchachaSeal(k, nonce, msg, text('ad')));
          assert.deepEqual(xchachaOpen(shiftedKey, shiftedNonce, fast, text('ad')), msg);
          assert.deepEqual(shiftedKey, k);
          assert.deepEqual(shiftedNonce, nonce);
        },
      ),
      { numRuns: 200 },
    );
  });

  it('property: seals under many keys and slots, in any order, are each what libsodium makes from the documented format, and open only under their own key', async () => {
    await sodium.ready;
    fc.assert(
      fc.property(
        fc.array(fc.uint8Array({ minLength: 32, maxLength: 32 }), { minLength: 2, maxLength: 4 }),
        fc.array(
          fc.record({
            which: fc.nat(),
            slot: fc.record({ userId: slotField, collection: slotField, recordId: slotField }),
            plaintext: fc.uint8Array({ maxLength: 1100 }),
            nonce: fc.uint8Array({ minLength: 24, maxLength: 24 }),
            pad: fc.boolean(),
          }),
          { minLength: 1, maxLength: 8 },
        ),
        (keyBytes, seals) => {
          const keys = keyBytes.map((bytes) => symmetricKey('collection', bytes));
          for (const { which, slot: where, plaintext, nonce, pad } of seals) {
            const k = keys[which % keys.length] ?? key;
            const env = sealEnvelope(k, where, plaintext, { nonce, pad });
            const header = new Uint8Array([1, 1, pad ? 1 : 0, ...k.id, ...nonce]);
            assert.deepEqual(env.subarray(0, 43), header);
            const body = new Uint8Array(pad ? paddedLength(plaintext.length) : plaintext.length);
            body.set(plaintext);
            if (pad) body[plaintext.length] = 0x80;
            const expected = sodium.crypto_aead_xchacha20poly1305_ietf_encrypt(
              body,
              documentedAd(header, where),
              null,
              nonce,
              k.bytes,
            );
            assert.deepEqual(env.subarray(43), new Uint8Array(expected));
            assert.deepEqual(openEnvelope(k, where, env), plaintext);
            for (const other of keys) {
              if (other === k || constantTimeEqual(other.bytes, k.bytes)) continue;
              assert.equal(
                errorCode(() => openEnvelope(other, where, env)),
                'AURA_CRYPTO_DECRYPT_FAILED',
              );
            }
          }
        },
      ),
      { numRuns: 150 },
    );
  });

  it('interop: libsodium crypto_aead_xchacha20poly1305_ietf_decrypt opens an Aura envelope, from docs/envelope-format.md alone', async () => {
    await sodium.ready;
    const plaintext = text('Lunch with Sarah, Tuesday 12:30');
    const env = sealEnvelope(key, slot, plaintext);
    // Rebuilt from the documented layout, not from Aura's code.
    const ad = documentedAd(env, slot);
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
