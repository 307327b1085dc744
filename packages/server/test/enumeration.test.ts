import assert from 'node:assert/strict';
import { createHash, randomBytes, randomUUID } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import {
  DEFAULT_KDF_PARAMS,
  generateEd25519KeyPair,
  generateX25519KeyPair,
  SRP_GROUP_2048_SHA256 as group,
  srpClientEphemeral,
} from '@aura/crypto';
import { startTestServer, type TestServer, TestUser } from '@aura/testing';
import type { LightMyRequestResponse } from 'fastify';

/**
 * M16 (ARCHITECTURE.md §7): account enumeration. Whoever asks about an email without
 * credentials must learn nothing about whether it has an account: every anonymous endpoint
 * that takes an email answers a known and an unknown one alike, compared here response by
 * response and field by field (status, the headers that describe the body, key sets and their
 * order, types, lengths, formats, codes and messages), not just "looks similar".
 *
 * What this cannot hide, by design: registration answers AURA_ACCOUNT_EXISTS for a taken
 * email, and an account whose stored KDF parameters differ from the defaults shows them
 * (the fake answer uses the defaults). Timing is not compared here.
 */
let server: TestServer;
let alice: TestUser;
let address = 0;
/** Each request from its own client address, so per-address rate-limit headers count alike. */
const inject: TestUser['inject'] = (o) =>
  server.app.inject({ ...(o as object), remoteAddress: `10.16.0.${(address++ % 250) + 1}` } as Parameters<
    TestUser['inject']
  >[0]);

before(async () => {
  server = await startTestServer();
  alice = await new TestUser(inject).register();
  assert.equal((await alice.login()).statusCode, 200);
});
after(() => server?.close());

const ghost = () => `ghost-${randomUUID()}@example.com`;
const b64 = (bytes: Uint8Array) => Buffer.from(bytes).toString('base64');
const BASE64 = /^[A-Za-z0-9+/]*={0,2}$/;
const UUID_V4 = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;
const ISO = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/;

/** A JSON value with every leaf replaced by its type, length and format; key order kept. */
function shape(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(shape);
  if (value && typeof value === 'object')
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, shape(v)]));
  if (typeof value === 'string') {
    const format = UUID_V4.test(value) ? 'uuid' : ISO.test(value) ? 'iso' : BASE64.test(value) ? 'base64' : 'text';
    return `string/${value.length}/${format}`;
  }
  return typeof value;
}

/** Headers whose value changes with time or with the caller's own request count. */
const VOLATILE = new Set(['date', 'x-ratelimit-remaining', 'x-ratelimit-reset', 'retry-after']);

/** Two responses that must not tell a known account from an unknown one. */
function assertIndistinguishable(known: LightMyRequestResponse, unknown: LightMyRequestResponse, what: string) {
  assert.equal(unknown.statusCode, known.statusCode, `${what}: status`);
  assert.deepEqual(Object.keys(unknown.headers).sort(), Object.keys(known.headers).sort(), `${what}: header names`);
  for (const [name, value] of Object.entries(known.headers))
    if (!VOLATILE.has(name)) assert.equal(unknown.headers[name], value, `${what}: header ${name}`);
  assert.equal(unknown.body.length, known.body.length, `${what}: body length`);
  const k = known.json();
  const u = unknown.json();
  // Order-sensitive: JSON.stringify keeps key order, so a differently ordered object shows.
  assert.equal(JSON.stringify(shape(u)), JSON.stringify(shape(k)), `${what}: field names, order, types and lengths`);
  if (k.error) assert.deepEqual(u.error, k.error, `${what}: error code and message`);
}

const init = (email: string) => inject({ method: 'POST', url: '/api/v1/auth/srp/init', payload: { email } });

describe('M16: known and unknown accounts are indistinguishable', () => {
  it('M16: srp/init: status, headers, field shapes, params, seed and B formats, challenge id', async () => {
    const unknown = ghost();
    const [k1, u1, k2, u2] = [
      await init(alice.email),
      await init(unknown),
      await init(alice.email),
      await init(unknown),
    ];
    assertIndistinguishable(k1, u1, 'srp/init');
    assertIndistinguishable(k2, u2, 'srp/init again');
    for (const [res, who] of [
      [k1, 'known'],
      [u1, 'unknown'],
    ] as const) {
      const body = res.json();
      assert.deepEqual(Object.keys(body), ['challengeId', 'kdf', 'B'], who);
      assert.deepEqual(Object.keys(body.kdf), ['seed', 'params'], who);
      assert.deepEqual(Object.keys(body.kdf.params), ['algorithm', 't', 'm', 'p'], `${who}: params key order`);
      assert.match(body.challengeId, UUID_V4, who);
      assert.equal(Buffer.from(body.kdf.seed, 'base64').length, 16, `${who}: seed bytes`);
      assert.equal(Buffer.from(body.B, 'base64').length, group.byteLength, `${who}: B bytes`);
      const B = BigInt(`0x${Buffer.from(body.B, 'base64').toString('hex')}`);
      assert.ok(B > 1n && B < group.N, `${who}: B in range`);
    }
    // The fake parameters are the ones a new account gets (a change to one must change the other).
    assert.deepEqual(u1.json().kdf.params, DEFAULT_KDF_PARAMS);
    assert.deepEqual(u1.json().kdf.params, k1.json().kdf.params);
  });

  it('M16: srp/init for an unknown email: the same seed and params every time, fresh B and challenge, per email', async () => {
    const unknown = ghost();
    const answers = [];
    for (let i = 0; i < 4; i++) answers.push((await init(unknown)).json());
    const knownAnswers = [];
    for (let i = 0; i < 4; i++) knownAnswers.push((await init(alice.email)).json());
    for (const [list, who] of [
      [answers, 'unknown'],
      [knownAnswers, 'known'],
    ] as const) {
      assert.equal(new Set(list.map((a) => a.kdf.seed)).size, 1, `${who}: one seed`);
      assert.equal(new Set(list.map((a) => JSON.stringify(a.kdf.params))).size, 1, `${who}: one set of params`);
      assert.equal(new Set(list.map((a) => a.B)).size, list.length, `${who}: a fresh B each time`);
      assert.equal(new Set(list.map((a) => a.challengeId)).size, list.length, `${who}: a fresh challenge each time`);
    }
    // The email is normalised the same way for both: case and surrounding spaces do not matter.
    assert.equal((await init(`  ${unknown.toUpperCase()} `)).json().kdf.seed, answers[0].kdf.seed);
    assert.equal((await init(alice.email.toUpperCase())).json().kdf.seed, knownAnswers[0].kdf.seed);
    // And it is per email: another unknown address, another seed.
    assert.notEqual((await init(ghost())).json().kdf.seed, answers[0].kdf.seed);
  });

  it('M16: srp/verify with a wrong proof answers the same for a known and an unknown email', async () => {
    // A real client's proof with a wrong password, against a real account and against nobody.
    const wrongPassword = await alice.login('not the password');
    const nobody = await new TestUser(inject, ghost(), 'not the password').login();
    assertIndistinguishable(wrongPassword, nobody, 'srp/verify, wrong password');
    assert.equal(wrongPassword.statusCode, 401);
    assert.equal(wrongPassword.json().error.code, 'AURA_CRYPTO_SRP_BAD_PROOF');

    // A well-formed A with a random M1; a degenerate A (0); a challenge used twice.
    const verify = async (email: string, A: Uint8Array, M1: Uint8Array, reuse = false) => {
      const { challengeId } = (await init(email)).json();
      const send = () =>
        inject({ method: 'POST', url: '/api/v1/auth/srp/verify', payload: { challengeId, A: b64(A), M1: b64(M1) } });
      const first = await send();
      return reuse ? send() : first;
    };
    const pad = (n: bigint) => Buffer.from(n.toString(16).padStart(group.byteLength * 2, '0'), 'hex');
    const A = pad(srpClientEphemeral(group).public);
    const unknown = ghost();
    for (const [label, a, reuse] of [
      ['random M1', A, false],
      ['A = 0', pad(0n), false],
      ['A = N', pad(group.N), false],
      ['challenge reused', A, true],
    ] as const) {
      const M1 = randomBytes(32);
      assertIndistinguishable(await verify(alice.email, a, M1, reuse), await verify(unknown, a, M1, reuse), label);
    }
  });

  it('M16: after repeated failures, the backoff answers alike for a known and an unknown email', async () => {
    const strict = await startTestServer({ AURA_LOGIN_FAILURES_BEFORE_BACKOFF: '2' });
    try {
      const strictInject: TestUser['inject'] = (o) =>
        strict.app.inject({ ...(o as object), remoteAddress: `10.17.${address++ % 250}.1` } as Parameters<
          TestUser['inject']
        >[0]);
      const known = await new TestUser(strictInject).register();
      const unknown = new TestUser(strictInject, ghost(), 'anything at all');
      const trail = async (user: TestUser, password: string) => {
        const out: LightMyRequestResponse[] = [];
        for (let i = 0; i < 4; i++) out.push(await user.login(password));
        return out;
      };
      const k = await trail(known, 'wrong password');
      const u = await trail(unknown, 'wrong password');
      assert.deepEqual(
        u.map((r) => r.statusCode),
        k.map((r) => r.statusCode),
      );
      assert.ok(
        k.some((r) => r.statusCode === 429),
        `the backoff starts (${k.map((r) => r.statusCode).join(', ')})`,
      );
      for (let i = 0; i < k.length; i++) {
        const [kr, ur] = [k[i] as LightMyRequestResponse, u[i] as LightMyRequestResponse];
        assert.deepEqual(ur.json(), kr.json(), `attempt ${i + 1}: body`);
        assert.equal(ur.headers['retry-after'], kr.headers['retry-after'], `attempt ${i + 1}: retry-after`);
      }
    } finally {
      await strict.close();
    }
  });

  it('M16: a device enrollment, and its claim (right or wrong secret), answer alike', async () => {
    const enroll = async (email: string) => {
      const claimSecret = randomBytes(32);
      const res = await inject({
        method: 'POST',
        url: '/api/v1/devices/enrollments',
        payload: {
          email,
          name: 'new phone',
          sealingPublicKey: b64(generateX25519KeyPair().publicKey),
          signingPublicKey: b64(generateEd25519KeyPair().publicKey),
          claimSecretHash: createHash('sha256').update(claimSecret).digest('base64'),
        },
      });
      return { res, claimSecret };
    };
    const claim = (id: string, secret: Uint8Array) =>
      inject({
        method: 'POST',
        url: `/api/v1/devices/enrollments/${id}/claim`,
        payload: { claimSecret: b64(secret) },
      });
    const known = await enroll(alice.email);
    const unknown = await enroll(ghost());
    assertIndistinguishable(known.res, unknown.res, 'enrollment');
    assert.equal(known.res.statusCode, 201);
    const [kBody, uBody] = [known.res.json(), unknown.res.json()];
    assert.deepEqual(Object.keys(uBody), Object.keys(kBody));
    assert.match(kBody.enrollmentId, UUID_V4);
    assert.match(uBody.enrollmentId, UUID_V4);
    assert.ok(
      Math.abs(Date.parse(kBody.expiresAt) - Date.parse(uBody.expiresAt)) < 10_000,
      'the same lifetime for both',
    );

    const pending = [
      await claim(kBody.enrollmentId, known.claimSecret),
      await claim(uBody.enrollmentId, unknown.claimSecret),
    ];
    assertIndistinguishable(
      pending[0] as LightMyRequestResponse,
      pending[1] as LightMyRequestResponse,
      'claim, pending',
    );
    assert.deepEqual(pending[0]?.json(), { status: 'pending' });
    assert.deepEqual(pending[1]?.json(), { status: 'pending' });

    const wrong = randomBytes(32);
    const refused = [await claim(kBody.enrollmentId, wrong), await claim(uBody.enrollmentId, wrong)];
    assertIndistinguishable(
      refused[0] as LightMyRequestResponse,
      refused[1] as LightMyRequestResponse,
      'claim, wrong secret',
    );
    assert.equal(refused[0]?.statusCode, 404);
    // And a wrong secret looks like an enrollment that does not exist at all.
    assertIndistinguishable(
      refused[0] as LightMyRequestResponse,
      await claim(randomUUID(), wrong),
      'claim, no such id',
    );
  });
});
