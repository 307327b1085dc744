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
import {
  isActiveDevice,
  replaceCredentials,
  revokeOtherSessions,
  revokeSessionRow,
  revokeUserSessions,
} from './repository.ts';
import { createSession, refreshSession } from './sessions.ts';
import { finishLogin, startLogin, takeChallenge } from './srp-login.ts';

const tags = ['auth'];

/** Registration, SRP login, sessions, password change and the token-signing key set. */
export async function authRoutes(fastify: FastifyInstance) {
  const app = fastify.withTypeProvider<ZodTypeProvider>();
  const attempts = new LoginAttempts(app.config.loginFailuresBeforeBackoff);

  app.post(
    '/api/v1/auth/register',
    { schema: { tags, body: RegisterRequest, response: { 201: RegisterResponse } } },
    async (request, reply) => reply.code(201).send(await register(app, request.body, request.ip)),
  );
  app.post(
    '/api/v1/auth/srp/init',
    { schema: { tags, body: SrpInitRequest, response: { 200: SrpInitResponse } } },
    async (request) => loginChallenge(app, attempts, request, request.body.email),
  );
  app.post(
    '/api/v1/auth/srp/verify',
    { schema: { tags, body: SrpVerifyRequest, response: { 200: SrpVerifyResponse } } },
    async (request) => loginProof(app, attempts, request, request.body),
  );
  app.post(
    '/api/v1/auth/refresh',
    { schema: { tags, body: RefreshRequest, response: { 200: TokenPair } } },
    async (request) => refresh(app, request, request.body.refreshToken),
  );
  app.post(
    '/api/v1/auth/logout',
    { preValidation: app.requireAuth, schema: { tags, response: { 200: OkResponse } } },
    async (request) => logout(app, request),
  );
  app.post(
    '/api/v1/auth/revoke-all',
    { preValidation: app.requireAuth, schema: { tags, response: { 200: RevokedSessions } } },
    async (request) => revokeAll(app, request),
  );
  app.get(
    '/api/v1/auth/session',
    { preValidation: app.requireAuth, schema: { tags, response: { 200: SessionInfo } } },
    async (request) => {
      const auth = authOf(request);
      return { ...auth, expiresAt: auth.expiresAt.toISOString() };
    },
  );
  app.put(
    '/api/v1/auth/password',
    { preValidation: app.requireAuth, schema: { tags, body: PasswordChangeRequest, response: { 200: OkResponse } } },
    async (request) => changePassword(app, request, request.body),
  );
  app.get('/.well-known/jwks.json', { schema: { tags } }, async () => ({ keys: [app.serverKeys.publicJwk] }));
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
  const challenge = await takeChallenge(app.pool, body.challengeId);
  const keysOfAttempt = [`account:${challenge.identity}`, `address:${request.ip}`];
  attempts.check(keysOfAttempt);
  let proven: Awaited<ReturnType<typeof finishLogin>>;
  try {
    proven = await finishLogin(
      app.pool,
      app.serverKeys.loginSecret,
      challenge,
      fromBase64(body.A),
      fromBase64(body.M1),
    );
  } catch (error) {
    attempts.fail(keysOfAttempt);
    if (challenge.user_id) logFailedLogin(app, request, challenge.user_id, error);
    throw error;
  }
  const { user } = proven;
  let deviceId: string | null = null;
  if (body.deviceId) {
    if (!(await isActiveDevice(app.pool, user.id, body.deviceId))) {
      throw new AuraError('AURA_UNAUTHENTICATED', 'this device is not enrolled in the account, or was revoked');
    }
    deviceId = body.deviceId;
  }
  attempts.succeed(keysOfAttempt);
  const kdf = { seed: toBase64(user.kdf_seed), params: user.kdf_params };
  const tokens = await createSession(app.config, app.serverKeys, app.pool, {
    userId: user.id,
    deviceId,
    K: proven.K,
    kdf,
  });
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
