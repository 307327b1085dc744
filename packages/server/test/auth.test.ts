import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { SRP_GROUP_2048_SHA256 as group } from '@aura/crypto';
import { startTestServer, type TestServer, TestUser, waitFor } from '@aura/testing';
import { generateKeyPair, importJWK, SignJWT } from 'jose';

let server: TestServer;
let alice: TestUser;
const inject: TestUser['inject'] = (o) => server.app.inject(o);

before(async () => {
  server = await startTestServer();
  alice = await new TestUser(inject).register();
  assert.equal((await alice.login()).statusCode, 200);
});
after(() => server?.close());

const whoAmI = (token: string) =>
  inject({ method: 'GET', url: '/api/v1/auth/session', headers: { authorization: `Bearer ${token}` } });
const codeOf = (res: { json(): { error?: { code: string } } }) => res.json().error?.code;

async function serverSigningKey() {
  const { rows } = await server.pool.query("SELECT value FROM server_keys WHERE name = 'jwt-signing'");
  const value = rows[0].value;
  return { kid: value.kid as string, key: await importJWK({ ...value.privateJwk, alg: 'EdDSA' }, 'EdDSA') };
}

async function forge(overrides: {
  iss?: string;
  aud?: string;
  exp?: number;
  key?: CryptoKey | Uint8Array;
  sid?: string;
}) {
  const real = await serverSigningKey();
  const session = (await whoAmI(alice.accessToken)).json();
  const now = Math.floor(Date.now() / 1000);
  return new SignJWT({ sid: overrides.sid ?? session.sessionId })
    .setProtectedHeader({ alg: 'EdDSA', kid: real.kid })
    .setSubject(alice.userId)
    .setIssuer(overrides.iss ?? server.config.jwtIssuer)
    .setAudience(overrides.aud ?? server.config.jwtAudience)
    .setIssuedAt(now - 30)
    .setExpirationTime(overrides.exp ?? now + 600)
    .sign(overrides.key ?? real.key);
}

describe('access tokens', () => {
  it('a token the server made works, and the JWKS publishes its key', async () => {
    const me = await whoAmI(alice.accessToken);
    assert.equal(me.statusCode, 200, me.body);
    assert.equal(me.json().userId, alice.userId);
    assert.equal(me.json().deviceId, alice.deviceId);
    const jwks = (await inject({ method: 'GET', url: '/.well-known/jwks.json' })).json();
    assert.equal(jwks.keys[0].alg, 'EdDSA');
    assert.equal(jwks.keys[0].d, undefined, 'no private part');
    const payload = JSON.parse(Buffer.from(alice.accessToken.split('.')[1] ?? '', 'base64url').toString());
    assert.deepEqual(payload.aud, 'aura-api');
    assert.equal(payload.exp - payload.iat, 900, '15-minute access tokens');
    for (const claim of ['sub', 'iss', 'sid', 'session_proof', 'key_derivation_params', 'device_id']) {
      assert.ok(claim in payload, `${claim} in token`);
    }
  });

  it('alg none, wrong audience, wrong issuer, expired and bad signature: each 401', async () => {
    const [header, payload] = alice.accessToken.split('.');
    const none = `${Buffer.from(JSON.stringify({ alg: 'none', typ: 'JWT' })).toString('base64url')}.${payload}.`;
    const otherKey = (await generateKeyPair('EdDSA', { crv: 'Ed25519' })).privateKey;
    const tampered = `${header}.${Buffer.from(JSON.stringify({ ...JSON.parse(Buffer.from(payload ?? '', 'base64url').toString()), sub: randomUUID() })).toString('base64url')}.${alice.accessToken.split('.')[2]}`;
    const cases: [string, string][] = [
      ['alg none', none],
      ['wrong audience', await forge({ aud: 'someone-else' })],
      ['wrong issuer', await forge({ iss: 'https://evil.example' })],
      ['expired', await forge({ exp: Math.floor(Date.now() / 1000) - 10 })],
      ['bad signature', await forge({ key: otherKey })],
      ['altered payload', tampered],
      ['garbage', 'not-a-token-at-all'],
    ];
    for (const [name, token] of cases) {
      const res = await whoAmI(token);
      assert.equal(res.statusCode, 401, name);
      assert.equal(codeOf(res), 'AURA_UNAUTHENTICATED', name);
    }
    const missing = await inject({ method: 'GET', url: '/api/v1/auth/session' });
    assert.equal(missing.statusCode, 401);
  });

  it('refresh rotates; a reused refresh token revokes the whole session', async () => {
    const bob = await new TestUser(inject).register();
    await bob.login();
    const first = bob.refreshToken;
    const rotated = await inject({ method: 'POST', url: '/api/v1/auth/refresh', payload: { refreshToken: first } });
    assert.equal(rotated.statusCode, 200, rotated.body);
    const { accessToken, refreshToken } = rotated.json();
    assert.notEqual(refreshToken, first);
    assert.equal((await whoAmI(accessToken)).statusCode, 200);
    const reuse = await inject({ method: 'POST', url: '/api/v1/auth/refresh', payload: { refreshToken: first } });
    assert.equal(reuse.statusCode, 401);
    assert.equal(codeOf(reuse), 'AURA_REFRESH_TOKEN_REUSED');
    assert.equal(codeOf(await whoAmI(accessToken)), 'AURA_SESSION_REVOKED');
    const audited = await server.pool.query(
      "SELECT 1 FROM audit_entries WHERE user_id = $1 AND convert_from(leaf_input, 'UTF8') LIKE '%revoke_on_refresh_token_reuse%'",
      [bob.userId],
    );
    assert.equal(audited.rowCount, 1, 'the revocation is in the audit log');
    const later = await inject({ method: 'POST', url: '/api/v1/auth/refresh', payload: { refreshToken } });
    assert.equal(later.statusCode, 401);
    const unknown = await inject({
      method: 'POST',
      url: '/api/v1/auth/refresh',
      payload: { refreshToken: 'x'.repeat(43) },
    });
    assert.equal(codeOf(unknown), 'AURA_REFRESH_TOKEN_INVALID');
  });

  it('a token accepted before is refused once it expires (a checked token is remembered only until then)', async () => {
    const short = await startTestServer({ AURA_ACCESS_TOKEN_SECONDS: '1' });
    try {
      const dave = await new TestUser((o) => short.app.inject(o)).register();
      await dave.login();
      const ask = () =>
        short.app.inject({
          method: 'GET',
          url: '/api/v1/auth/session',
          headers: { authorization: `Bearer ${dave.accessToken}` },
        });
      assert.equal((await ask()).statusCode, 200);
      assert.equal((await ask()).statusCode, 200);
      const refused = await waitFor(async () => {
        const res = await ask();
        return res.statusCode === 401 ? res : undefined;
      }, 10_000);
      assert.equal(codeOf(refused), 'AURA_UNAUTHENTICATED');
      assert.match(refused.json().error.message, /expired/);
    } finally {
      await short.close();
    }
  });

  it('logout revokes this session; revoke-all revokes every session of the user', async () => {
    const carol = await new TestUser(inject).register();
    await carol.login();
    const firstToken = carol.accessToken;
    await carol.login();
    const secondToken = carol.accessToken;
    const logout = await inject({
      method: 'POST',
      url: '/api/v1/auth/logout',
      headers: { authorization: `Bearer ${secondToken}` },
    });
    assert.equal(logout.statusCode, 200);
    assert.equal(codeOf(await whoAmI(secondToken)), 'AURA_SESSION_REVOKED');
    assert.equal((await whoAmI(firstToken)).statusCode, 200);
    await carol.login();
    const all = await inject({ method: 'POST', url: '/api/v1/auth/revoke-all', headers: carol.auth });
    assert.equal(all.json().revoked, 2);
    for (const token of [firstToken, carol.accessToken])
      assert.equal(codeOf(await whoAmI(token)), 'AURA_SESSION_REVOKED');
  });
});

describe('SRP login', () => {
  it('a wrong password is refused, and the account key never leaves the server', async () => {
    const res = await alice.login('not the password');
    assert.equal(res.statusCode, 401);
    assert.equal(codeOf(res), 'AURA_CRYPTO_SRP_BAD_PROOF');
    assert.equal(res.json().accountKey, undefined);
  });

  it('a replayed M1 is refused: the challenge is single-use, and a new challenge has a new B', async () => {
    const init = await inject({ method: 'POST', url: '/api/v1/auth/srp/init', payload: { email: alice.email } });
    const { challengeId } = init.json();
    // Capture a real verify request, then send it again.
    let captured: Record<string, unknown> | undefined;
    const recorder = new TestUser(
      async (o) => {
        if (typeof o === 'object' && o.url === '/api/v1/auth/srp/verify')
          captured = o.payload as Record<string, unknown>;
        return inject(o);
      },
      alice.email,
      alice.password,
    );
    recorder.deviceId = alice.deviceId;
    assert.equal((await recorder.login()).statusCode, 200);
    const replay = await inject({ method: 'POST', url: '/api/v1/auth/srp/verify', payload: captured });
    assert.equal(codeOf(replay), 'AURA_AUTH_CHALLENGE_INVALID');
    const onFresh = await inject({
      method: 'POST',
      url: '/api/v1/auth/srp/verify',
      payload: { ...captured, challengeId },
    });
    assert.equal(codeOf(onFresh), 'AURA_CRYPTO_SRP_BAD_PROOF');
  });

  it('A ≡ 0 (mod N) is refused with AURA_CRYPTO_SRP_BAD_PUBLIC_VALUE; a longer A is refused by the schema', async () => {
    const tryA = async (A: bigint) => {
      const init = (
        await inject({ method: 'POST', url: '/api/v1/auth/srp/init', payload: { email: alice.email } })
      ).json();
      const hex = A.toString(16);
      const encoded = Buffer.from(hex.padStart(Math.max(512, hex.length + (hex.length % 2)), '0'), 'hex');
      return inject({
        method: 'POST',
        url: '/api/v1/auth/srp/verify',
        payload: {
          challengeId: init.challengeId,
          A: encoded.toString('base64'),
          M1: Buffer.alloc(32).toString('base64'),
        },
      });
    };
    for (const A of [0n, group.N]) {
      const res = await tryA(A);
      assert.equal(res.statusCode, 400);
      assert.equal(codeOf(res), 'AURA_CRYPTO_SRP_BAD_PUBLIC_VALUE');
    }
    const longer = await tryA(2n * group.N);
    assert.equal(longer.statusCode, 400);
    assert.equal(codeOf(longer), 'AURA_INVALID_INPUT');
  });

  it('an unknown email gets the same shape of answer, a stable seed, and the same failure', async () => {
    const ask = async (email: string) =>
      (await inject({ method: 'POST', url: '/api/v1/auth/srp/init', payload: { email } })).json();
    const unknown = 'nobody-here@example.com';
    const [u1, u2, k1, k2] = [await ask(unknown), await ask(unknown), await ask(alice.email), await ask(alice.email)];
    assert.deepEqual(Object.keys(u1).sort(), Object.keys(k1).sort());
    assert.equal(u1.kdf.seed, u2.kdf.seed, 'fake seed is deterministic');
    assert.equal(k1.kdf.seed, k2.kdf.seed);
    assert.deepEqual(u1.kdf.params, k1.kdf.params);
    assert.notEqual(u1.B, u2.B, 'B is fresh each time, as for a real account');
    assert.equal(Buffer.from(u1.B, 'base64').length, Buffer.from(k1.B, 'base64').length);
    assert.notEqual((await ask('someone-else@example.com')).kdf.seed, u1.kdf.seed);
    const ghost = new TestUser(inject, unknown, 'whatever');
    const res = await ghost.login();
    assert.equal(res.statusCode, 401);
    assert.equal(codeOf(res), 'AURA_CRYPTO_SRP_BAD_PROOF');
  });

  it('a revoked or foreign device id cannot log in', async () => {
    const dave = await new TestUser(inject).register();
    dave.deviceId = randomUUID();
    const res = await dave.login();
    assert.equal(codeOf(res), 'AURA_UNAUTHENTICATED');
  });

  it('registration refuses a second account with the same email, whatever its case', async () => {
    const twin = new TestUser(inject, alice.email.toUpperCase());
    await assert.rejects(() => twin.register(), /AURA_ACCOUNT_EXISTS/);
  });
});

describe('failed-login backoff', () => {
  it('after the free attempts, the account and the address must wait (429 with Retry-After)', async () => {
    const limited = await startTestServer({ AURA_LOGIN_FAILURES_BEFORE_BACKOFF: '3' });
    try {
      const erin = await new TestUser((o) => limited.app.inject(o)).register();
      for (let i = 0; i < 3; i++) assert.equal((await erin.login('wrong')).statusCode, 401);
      const blocked = await erin.login();
      assert.equal(blocked.statusCode, 429);
      assert.equal(codeOf(blocked), 'AURA_RATE_LIMITED');
      assert.ok(Number(blocked.headers['retry-after']) >= 1);
    } finally {
      await limited.close();
    }
  });
});
