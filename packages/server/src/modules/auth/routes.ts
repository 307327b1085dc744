import { AuraError } from '@aura/errors';
import {
  normalizeEmail,
  OkResponse,
  PasswordChangeRequest,
  RefreshRequest,
  RegisterRequest,
  RegisterResponse,
  RevokedSessions,
  SessionInfo,
  SrpInitRequest,
  SrpInitResponse,
  SrpVerifyRequest,
  SrpVerifyResponse,
  TokenPair,
} from '@aura/protocol';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { fromBase64, toBase64 } from '../../base64.ts';
import { withTransaction } from '../../db/transaction.ts';
import { LoginAttempts } from './attempts.ts';
import { actorOf, authOf } from './authenticate.ts';
import { register } from './registration.ts';
import { replaceCredentials, revokeOtherSessions, revokeSessionRow, revokeUserSessions } from './repository.ts';
import { createSession, refreshSession } from './sessions.ts';
import { finishLogin, startLogin, takeChallenge } from './srp-login.ts';

const tags = ['auth'];

/** Registration, SRP login, sessions, password change and the token-signing key set. */
export async function authRoutes(fastify: FastifyInstance) {
  const app = fastify.withTypeProvider<ZodTypeProvider>();
  const attempts = new LoginAttempts(app.config.loginFailuresBeforeBackoff);

  app.post(
    '/api/v1/auth/register',
    {
      schema: {
        tags,
        summary: 'Create an account and its first device',
        description:
          'Called once by the first device of a new user. The client sends what it derived from the password (the Argon2id seed and parameters, the SRP verifier and the wrapped account key) and its device keys with a self-signed "device add" statement; the server never sees the password or the account key. The account, the device and their audit entries are stored in one transaction. An email that already has an account is refused with AURA_ACCOUNT_EXISTS, a device id already taken with AURA_CONFLICT.',
        body: RegisterRequest,
        response: { 201: RegisterResponse },
      },
    },
    async (request, reply) => reply.code(201).send(await register(app, request.body, request.ip)),
  );
  app.post(
    '/api/v1/auth/srp/init',
    {
      schema: {
        tags,
        summary: 'Start an SRP login',
        description:
          "The first half of the SRP-6a login: the server answers with the account's KDF seed and parameters, as stored, and its ephemeral value B under a challenge id valid for two minutes. An email without an account gets an answer of the same shape and cost, so this route does not tell who has an account. Repeated failures for an account or an address are slowed down with AURA_RATE_LIMITED.",
        body: SrpInitRequest,
        response: { 200: SrpInitResponse },
      },
    },
    async (request) => loginChallenge(app, attempts, request, request.body.email),
  );
  app.post(
    '/api/v1/auth/srp/verify',
    {
      schema: {
        tags,
        summary: 'Finish an SRP login and open a session',
        description:
          'The second half of the SRP-6a login: the client sends its value A and its proof M1; the server answers with its own proof M2 (which the client must check), the wrapped account key and a new access and refresh token. The password never crosses the wire and the server cannot unwrap the account key. A challenge is used once; with `deviceId`, the session belongs to that enrolled device, which signed writes need.',
        body: SrpVerifyRequest,
        response: { 200: SrpVerifyResponse },
      },
    },
    async (request) => loginProof(app, attempts, request, request.body),
  );
  app.post(
    '/api/v1/auth/refresh',
    {
      schema: {
        tags,
        summary: 'Exchange a refresh token for new tokens',
        description:
          "Rotates the session's tokens: the refresh token sent is spent and a new access and refresh token pair is answered. A refresh token presented a second time means two parties hold it, so the whole session is revoked (AURA_REFRESH_TOKEN_REUSED) and both must log in again. An unknown or expired token is AURA_REFRESH_TOKEN_INVALID.",
        body: RefreshRequest,
        response: { 200: TokenPair },
      },
    },
    async (request) => refresh(app, request, request.body.refreshToken),
  );
  app.post(
    '/api/v1/auth/logout',
    {
      preValidation: app.requireAuth,
      schema: {
        tags,
        summary: 'End this session',
        description:
          'Revokes the session of the access token sent and records the logout in the audit log. Its access and refresh tokens stop working at once (AURA_SESSION_REVOKED); other sessions of the account, on other devices, stay open.',
        response: { 200: OkResponse },
      },
    },
    async (request) => logout(app, request),
  );
  app.post(
    '/api/v1/auth/revoke-all',
    {
      preValidation: app.requireAuth,
      schema: {
        tags,
        summary: 'End every session of the account',
        description:
          'Revokes all sessions of the account, this one included, on every device, and answers how many ended. Used when a device or a token may be in the wrong hands; every device must log in again. The revocation is recorded in the audit log.',
        response: { 200: RevokedSessions },
      },
    },
    async (request) => revokeAll(app, request),
  );
  app.get(
    '/api/v1/auth/session',
    {
      preValidation: app.requireAuth,
      schema: {
        tags,
        summary: 'Describe the current session',
        description:
          "Answers who the access token belongs to: the user, the session, the session's device (null for a session without one) and when the session ends. A client calls it to check a token it holds; it changes nothing.",
        response: { 200: SessionInfo },
      },
    },
    async (request) => {
      const auth = authOf(request);
      return { ...auth, expiresAt: auth.expiresAt.toISOString() };
    },
  );
  app.put(
    '/api/v1/auth/password',
    {
      preValidation: app.requireAuth,
      schema: {
        tags,
        summary: 'Change the password',
        description:
          "Replaces the KDF seed and parameters, the SRP verifier and the wrapping of the account key, all computed by the client from the new password; the account key itself, and so every stored record, stays the same. The key id must match the account's (else AURA_CONFLICT and nothing changes). Every other session of the account is revoked.",
        body: PasswordChangeRequest,
        response: { 200: OkResponse },
      },
    },
    async (request) => changePassword(app, request, request.body),
  );
  app.get(
    '/.well-known/jwks.json',
    {
      schema: {
        tags,
        summary: "Get the server's token-signing public key",
        description:
          'The JSON Web Key Set of the Ed25519 key that signs access tokens, for a service that wants to check a token itself. It is public and needs no token; it does not touch the database.',
      },
    },
    async () => ({ keys: [app.serverKeys.publicJwk] }),
  );
}

async function loginChallenge(app: FastifyInstance, attempts: LoginAttempts, request: FastifyRequest, raw: string) {
  const email = normalizeEmail(raw);
  attempts.check([`account:${email}`, `address:${request.ip}`]);
  return startLogin(app.pool, app.serverKeys.loginSecret, email, (userId) =>
    request.log.warn(
      { userId },
      'users.kdf_params or kdf_seed of this account is not well-formed; answering with parameters every client refuses',
    ),
  );
}

async function loginProof(
  app: FastifyInstance,
  attempts: LoginAttempts,
  request: FastifyRequest,
  body: SrpVerifyRequest,
) {
  attempts.check([`address:${request.ip}`]);
  const taken = await takeChallenge(app.pool, body.challengeId);
  const keysOfAttempt = [`account:${taken.challenge.identity}`, `address:${request.ip}`];
  attempts.check(keysOfAttempt);
  let proven: ReturnType<typeof finishLogin>;
  try {
    proven = finishLogin(app.serverKeys.loginSecret, taken, fromBase64(body.A), fromBase64(body.M1));
  } catch (error) {
    attempts.fail(keysOfAttempt);
    if (taken.challenge.user_id) logFailedLogin(app, request, taken.challenge.user_id, error);
    throw error;
  }
  const { user } = proven;
  const deviceId = body.deviceId ?? null;
  const kdf = { seed: toBase64(user.kdf_seed), params: user.kdf_params };
  // Made only for an active device of the account (AURA_UNAUTHENTICATED otherwise).
  const tokens = await createSession(app.config, app.serverKeys, app.pool, {
    userId: user.id,
    deviceId,
    K: proven.K,
    kdf,
  });
  attempts.succeed(keysOfAttempt);
  await app.audit.append(user.id, {
    eventType: 'login',
    ...actorOf({ userId: user.id, deviceId }),
    targetId: deviceId,
    action: 'login',
    result: 'success',
    sensitive: { address: request.ip },
  });
  return {
    M2: toBase64(proven.M2),
    userId: user.id,
    deviceId,
    accountKey: { wrapped: toBase64(user.wrapped_account_key), id: toBase64(user.account_key_id) },
    tokens,
  };
}

// Logged after the answer, not before it: a failure for a known account must take as long as one
// for an unknown email (M16), and this append is the one thing only it does.
function logFailedLogin(app: FastifyInstance, request: FastifyRequest, userId: string, error: unknown) {
  setImmediate(() => {
    app.audit
      .append(userId, {
        eventType: 'login',
        actorId: userId,
        actorType: 'user',
        action: 'login',
        result: 'failure',
        sensitive: { address: request.ip, reason: (error as { code?: string }).code ?? 'error' },
      })
      .catch((cause) => request.log.error({ err: cause }, 'could not log a failed login'));
  });
}

async function refresh(app: FastifyInstance, request: FastifyRequest, refreshToken: string) {
  return refreshSession(app.config, app.serverKeys, app.pool, refreshToken, (userId, sessionId) =>
    app.audit
      .append(userId, {
        eventType: 'session',
        actorId: 'server',
        actorType: 'system',
        targetId: sessionId,
        action: 'revoke_on_refresh_token_reuse',
        result: 'success',
        sensitive: { address: request.ip },
      })
      .then(() => {}),
  );
}

async function logout(app: FastifyInstance, request: FastifyRequest) {
  const auth = authOf(request);
  await revokeSessionRow(app.pool, auth.sessionId, 'logout');
  await app.audit.append(auth.userId, {
    eventType: 'session',
    ...actorOf(auth),
    targetId: auth.sessionId,
    action: 'logout',
    result: 'success',
  });
  return { ok: true as const };
}

async function revokeAll(app: FastifyInstance, request: FastifyRequest) {
  const auth = authOf(request);
  const revoked = await revokeUserSessions(app.pool, auth.userId);
  await app.audit.append(auth.userId, {
    eventType: 'session',
    ...actorOf(auth),
    action: 'revoke_all',
    result: 'success',
    sensitive: { sessions: revoked },
  });
  return { revoked };
}

// A new password: new seed, verifier and wrapping of the same account key. The data is
// untouched; every other session of the account is revoked.
async function changePassword(app: FastifyInstance, request: FastifyRequest, body: PasswordChangeRequest) {
  const auth = authOf(request);
  await withTransaction(app.pool, async (client) => {
    const changed = await replaceCredentials(client, auth.userId, {
      kdfSeed: fromBase64(body.kdf.seed),
      kdfParams: body.kdf.params,
      srpVerifier: fromBase64(body.srpVerifier),
      wrappedAccountKey: fromBase64(body.accountKey.wrapped),
      accountKeyId: fromBase64(body.accountKey.id),
    });
    if (!changed) {
      throw new AuraError('AURA_CONFLICT', 'the account key id does not match this account; nothing was changed');
    }
    await revokeOtherSessions(client, auth.userId, auth.sessionId);
    await app.audit.append(
      auth.userId,
      {
        eventType: 'password_change',
        ...actorOf(auth),
        action: 'change_password',
        result: 'success',
        sensitive: { address: request.ip },
      },
      client,
    );
  });
  return { ok: true as const };
}
