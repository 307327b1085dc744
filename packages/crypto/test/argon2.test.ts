import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { argon2idFloored, argon2idNoble, argon2idUnchecked } from '../src/argon2.ts';
import { checkKdfParams, DEFAULT_KDF_PARAMS, deriveMasterKey, generateKdfSeed, KDF_FLOOR } from '../src/index.ts';
import { errorCode, errorCodeAsync } from './vectors/report.ts';

describe('Argon2id floor', () => {
  it('property: parameters below t>=3, m>=64 MiB, p>=1 fail with AURA_CRYPTO_KDF_TOO_WEAK on every entry point', async () => {
    const weak = fc
      .record({
        t: fc.integer({ min: 0, max: 10 }),
        m: fc.integer({ min: 0, max: 200_000 }),
        p: fc.integer({ min: 0, max: 4 }),
      })
      .filter(({ t, m, p }) => t < KDF_FLOOR.t || m < KDF_FLOOR.m || p < KDF_FLOOR.p);
    await fc.assert(
      fc.asyncProperty(weak, async ({ t, m, p }) => {
        const params = { algorithm: 'argon2id' as const, t, m, p };
        assert.equal(
          errorCode(() => checkKdfParams(params)),
          'AURA_CRYPTO_KDF_TOO_WEAK',
        );
        assert.equal(
          await errorCodeAsync(() => argon2idFloored(new Uint8Array(8), new Uint8Array(16), params)),
          'AURA_CRYPTO_KDF_TOO_WEAK',
        );
        assert.equal(
          await errorCodeAsync(() => deriveMasterKey('pw', 'a@b.c', generateKdfSeed(), params)),
          'AURA_CRYPTO_KDF_TOO_WEAK',
        );
      }),
      { numRuns: 200 },
    );
  });

  it('refuses other algorithms, non-integers and parameters above the ceiling', () => {
    assert.equal(
      errorCode(() => checkKdfParams({ ...DEFAULT_KDF_PARAMS, algorithm: 'pbkdf2' })),
      'AURA_CRYPTO_KDF_TOO_WEAK',
    );
    assert.equal(
      errorCode(() => checkKdfParams({ ...DEFAULT_KDF_PARAMS, t: 3.5 })),
      'AURA_INVALID_INPUT',
    );
    assert.equal(
      errorCode(() => checkKdfParams({ ...DEFAULT_KDF_PARAMS, m: '65536' })),
      'AURA_INVALID_INPUT',
    );
    assert.equal(
      errorCode(() => checkKdfParams(null)),
      'AURA_INVALID_INPUT',
    );
    assert.equal(
      errorCode(() => checkKdfParams({ ...DEFAULT_KDF_PARAMS, m: 64 * 1024 * 1024 })),
      'AURA_CRYPTO_KDF_TOO_COSTLY',
    );
    assert.equal(
      errorCode(() => checkKdfParams({ ...DEFAULT_KDF_PARAMS, t: 1000 })),
      'AURA_CRYPTO_KDF_TOO_COSTLY',
    );
  });

  it('derives at the floor, deterministically, and differently for another password', async () => {
    const seed = generateKdfSeed();
    const a = await deriveMasterKey('correct horse', 'alice@example.com', seed, DEFAULT_KDF_PARAMS);
    const b = await deriveMasterKey('correct horse', 'ALICE@example.com', seed, DEFAULT_KDF_PARAMS);
    const c = await deriveMasterKey('correct horsf', 'alice@example.com', seed, DEFAULT_KDF_PARAMS);
    assert.deepEqual(a.bytes, b.bytes);
    assert.notDeepEqual(a.bytes, c.bytes);
    assert.equal(a.bytes.length, 32);
  });

  it('property: the hash-wasm engine and the @noble/hashes engine agree', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.uint8Array({ minLength: 1, maxLength: 40 }),
        fc.uint8Array({ minLength: 8, maxLength: 24 }),
        fc.option(fc.uint8Array({ minLength: 1, maxLength: 16 }), { nil: undefined }),
        fc.integer({ min: 1, max: 3 }),
        fc.integer({ min: 1, max: 2 }),
        async (password, salt, secret, t, p) => {
          const input = { password, salt, ...(secret ? { secret } : {}), t, m: 8 * p + 8, p, length: 32 };
          assert.deepEqual(await argon2idUnchecked(input), await argon2idNoble(input));
        },
      ),
      { numRuns: 25 },
    );
  });
});
