import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { sha256 } from '@noble/hashes/sha2.js';
import fc from 'fast-check';
import { platform } from '#platform';
import {
  SRP_GROUP_2048_SHA256 as group,
  type SrpGroup,
  srpClientEphemeral,
  srpClientSession,
  srpClientVerifyServer,
  srpDecodePublic,
  srpServerEphemeral,
  srpServerSession,
  srpVerifier,
} from '../src/index.ts';
import { portableModPow } from '../src/platform/portable.ts';
import { errorCode } from './vectors/report.ts';

const identity = 'alice@example.com';
const salt = new Uint8Array(16).fill(7);
const x = 0x1234567890abcdef1234567890abcdef1234567890abcdef1234567890abcdefn;
const v = srpVerifier(group, x);

function handshake(clientX = x) {
  const a = srpClientEphemeral(group);
  const b = srpServerEphemeral(group, v);
  const client = srpClientSession(group, { identity, salt, x: clientX, a, B: b.public });
  return { a, b, client };
}

describe('SRP-6a on the RFC 5054 2048-bit group with SHA-256', () => {
  it('a full handshake agrees on K, and the client checks M2', () => {
    const { a, b, client } = handshake();
    const server = srpServerSession(group, { identity, salt, v, b, A: a.public, M1: client.M1 });
    assert.deepEqual(server.K, client.K);
    srpClientVerifyServer(client, server.M2);
  });

  it('a wrong password is refused with AURA_CRYPTO_SRP_BAD_PROOF', () => {
    const { a, b, client } = handshake(x + 1n);
    assert.equal(
      errorCode(() => srpServerSession(group, { identity, salt, v, b, A: a.public, M1: client.M1 })),
      'AURA_CRYPTO_SRP_BAD_PROOF',
    );
  });

  it('a replayed M1 is refused: a new server ephemeral makes it worthless', () => {
    const { a, client } = handshake();
    const fresh = srpServerEphemeral(group, v);
    assert.equal(
      errorCode(() => srpServerSession(group, { identity, salt, v, b: fresh, A: a.public, M1: client.M1 })),
      'AURA_CRYPTO_SRP_BAD_PROOF',
    );
  });

  it('a bad M2 is refused by the client', () => {
    const { client } = handshake();
    const bad = client.expectedM2.slice();
    bad[5] = (bad[5] ?? 0) ^ 0x80;
    assert.equal(
      errorCode(() => srpClientVerifyServer(client, bad)),
      'AURA_CRYPTO_SRP_BAD_PROOF',
    );
    assert.equal(
      errorCode(() => srpClientVerifyServer(client, bad.subarray(1))),
      'AURA_CRYPTO_SRP_BAD_PROOF',
    );
  });

  it('A ≡ 0 (mod N) and out-of-range A are refused by the server', () => {
    const b = srpServerEphemeral(group, v);
    for (const A of [0n, group.N, 2n * group.N, group.N + 1n, -1n]) {
      assert.equal(
        errorCode(() => srpServerSession(group, { identity, salt, v, b, A, M1: new Uint8Array(32) })),
        'AURA_CRYPTO_SRP_BAD_PUBLIC_VALUE',
      );
    }
    assert.equal(
      errorCode(() => srpDecodePublic(group, new Uint8Array(256), 'A')),
      'AURA_CRYPTO_SRP_BAD_PUBLIC_VALUE',
    );
    assert.equal(
      errorCode(() => srpDecodePublic(group, new Uint8Array(257).fill(1), 'A')),
      'AURA_CRYPTO_SRP_BAD_PUBLIC_VALUE',
    );
  });

  it('B ≡ 0 (mod N) is refused by the client', () => {
    const a = srpClientEphemeral(group);
    for (const B of [0n, group.N, 3n * group.N]) {
      assert.equal(
        errorCode(() => srpClientSession(group, { identity, salt, x, a, B })),
        'AURA_CRYPTO_SRP_BAD_PUBLIC_VALUE',
      );
    }
  });

  it('u = 0 is refused by both halves', () => {
    // A group whose hash gives zero for H(PAD(A) | PAD(B)) and SHA-256 otherwise.
    const zeroU: SrpGroup = {
      ...group,
      hash: (d) => (d.length === 2 * group.byteLength && d[0] !== 0xac ? new Uint8Array(32) : sha256(d)),
    };
    const a = srpClientEphemeral(zeroU);
    const b = srpServerEphemeral(zeroU, v);
    assert.equal(
      errorCode(() => srpClientSession(zeroU, { identity, salt, x, a, B: b.public })),
      'AURA_CRYPTO_SRP_BAD_PUBLIC_VALUE',
    );
    assert.equal(
      errorCode(() => srpServerSession(zeroU, { identity, salt, v, b, A: a.public, M1: new Uint8Array(32) })),
      'AURA_CRYPTO_SRP_BAD_PUBLIC_VALUE',
    );
  });

  it('property: the native modular exponentiation equals BigInt square-and-multiply', () => {
    const big = fc.bigInt({ min: 0n, max: group.N - 1n });
    fc.assert(
      fc.property(big, fc.bigInt({ min: 0n, max: (1n << 512n) - 1n }), (base, exp) => {
        assert.equal(platform.modPow(base, exp, group.N), portableModPow(base, exp, group.N));
      }),
      { numRuns: 100 },
    );
    for (const base of [0n, 1n, group.N - 1n, 2n]) {
      assert.equal(platform.modPow(base, 12345n, group.N), portableModPow(base, 12345n, group.N));
    }
  });
});
