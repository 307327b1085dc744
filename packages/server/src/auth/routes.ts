import { randomUUID } from 'node:crypto';
import { AuraError } from '@aura/errors';
import {
  normalizeEmail,
  OkResponse,
  PasswordChangeRequest,
  RefreshRequest,
  RegisterRequest,
  RegisterResponse,
  SessionInfo,
  SrpInitRequest,
  SrpInitResponse,
  SrpVerifyRequest,
  SrpVerifyResponse,
  TokenPair,
} from '@aura/protocol';
import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import type pg from 'pg';
import { z } from 'zod';
import type { AuditLog } from '../audit/log.ts';
import type { ServerConfig } from '../config.ts';
import { withTransaction } from '../db/transaction.ts';
import { certificateOf, checkDeviceChange } from '../history/signed-change.ts';
import { LoginAttempts } from './attempts.ts';
import { authOf } from './authenticate.ts';
import type { ServerKeys } from './server-keys.ts';
import { createSession, refreshSession, revokeAllSessions, revokeSession } from './sessions.ts';
import { finishLogin, startLogin, takeChallenge } from './srp-login.ts';

const b64 = (s: string) => Buffer.from(s, 'base64');

export function authRoutes(config: ServerConfig, keys: ServerKeys, pool: pg.Pool, audit: AuditLog) {
  const attempts = new LoginAttempts(config.loginFailuresBeforeBackoff);

  return async (fastify: FastifyInstance) => {
    const app = fastify.withTypeProvider<ZodTypeProvider>();
    const tags = ['auth'];

    app.post(
      '/api/v1/auth/register',
      { schema: { tags, body: RegisterRequest, response: { 201: RegisterResponse } } },
      async (request, reply) => {
        const body = request.body;
        const userId = body.userId ?? randomUUID();
        const deviceId = body.device.id;
        // The first device adds itself: its self-signed statement opens the device list's history.
        const deviceChange = body.device.change;
        checkDeviceChange(
          deviceChange,
          {
            op: 'add',
            deviceId,
            signingPublicKey: body.device.signingPublicKey,
            sealingPublicKey: body.device.sealingPublicKey,
            by: deviceId,
          },
          b64(body.device.signingPublicKey),
        );
        await withTransaction(pool, async (client) => {
          const inserted = await client.query(
            `INSERT INTO users (id, email, kdf_seed, kdf_params, srp_verifier, wrapped_account_key, account_key_id, audit_public_key)
           VALUES ($1, $2, $3, $4, $5, $6, $7, $8) ON CONFLICT DO NOTHING`,
            [
              userId,
              normalizeEmail(body.email),
              b64(body.kdf.seed),
              JSON.stringify(body.kdf.params),
              b64(body.srpVerifier),
              b64(body.accountKey.wrapped),
              b64(body.accountKey.id),
              body.auditPublicKey ? b64(body.auditPublicKey) : null,
            ],
          );
          if (inserted.rowCount === 0) {
            throw new AuraError('AURA_ACCOUNT_EXISTS', 'an account with this email already exists; log in instead');
          }
          const device = await client.query(
            `INSERT INTO devices (id, user_id, name, sealing_public_key, signing_public_key, certificate)
             VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (id) DO NOTHING`,
            [
              deviceId,
              userId,
              body.device.name ?? null,
              b64(body.device.sealingPublicKey),
              b64(body.device.signingPublicKey),
              certificateOf(deviceChange),
            ],
          );
          if (device.rowCount === 0) {
            throw new AuraError('AURA_CONFLICT', 'that device id is taken; register again with a new one');
          }
          await audit.append(
            userId,
            {
              eventType: 'registration',
              actorId: userId,
              actorType: 'user',
              targetId: deviceId,
              action: 'register',
              result: 'success',
              sensitive: { address: request.ip },
            },
            client,
          );
          await audit.append(
            userId,
            {
              eventType: 'device',
              actorId: deviceId,
              actorType: 'device',
              targetId: deviceId,
              action: 'add',
              result: 'success',
              signed: deviceChange,
            },
            client,
          );
        });
        return reply.code(201).send({ userId, deviceId });
      },
    );

    app.post(
      '/api/v1/auth/srp/init',
      { schema: { tags, body: SrpInitRequest, response: { 200: SrpInitResponse } } },
      async (request) => {
        const email = normalizeEmail(request.body.email);
        attempts.check([`account:${email}`, `address:${request.ip}`]);
        return startLogin(pool, keys.loginSecret, email, (userId) =>
          request.log.warn(
            { userId },
            'users.kdf_params or kdf_seed of this account is not well-formed; answering with parameters every client refuses',
          ),
        );
      },
    );

    app.post(
      '/api/v1/auth/srp/verify',
      { schema: { tags, body: SrpVerifyRequest, response: { 200: SrpVerifyResponse } } },
      async (request) => {
        attempts.check([`address:${request.ip}`]);
        const challenge = await takeChallenge(pool, request.body.challengeId);
        const keysOfAttempt = [`account:${challenge.identity}`, `address:${request.ip}`];
        attempts.check(keysOfAttempt);
        let proven: Awaited<ReturnType<typeof finishLogin>>;
        try {
          proven = await finishLogin(pool, keys.loginSecret, challenge, b64(request.body.A), b64(request.body.M1));
        } catch (error) {
          attempts.fail(keysOfAttempt);
          if (challenge.user_id) {
            // Logged after the answer, not before it: a failure for a known account must take as long
            // as one for an unknown email (M16), and this append is the one thing only it does.
            const userId = challenge.user_id;
            setImmediate(() => {
              audit
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
          throw error;
        }
        const { user } = proven;
        let deviceId: string | null = null;
        if (request.body.deviceId) {
          const { rows } = await pool.query(
            'SELECT 1 FROM devices WHERE id = $1 AND user_id = $2 AND revoked_at IS NULL',
            [request.body.deviceId, user.id],
          );
          if (rows.length === 0) {
            throw new AuraError('AURA_UNAUTHENTICATED', 'this device is not enrolled in the account, or was revoked');
          }
          deviceId = request.body.deviceId;
        }
        attempts.succeed(keysOfAttempt);
        const kdf = { seed: user.kdf_seed.toString('base64'), params: user.kdf_params };
        const tokens = await createSession(config, keys, pool, { userId: user.id, deviceId, K: proven.K, kdf });
        await audit.append(user.id, {
          eventType: 'login',
          actorId: deviceId ?? user.id,
          actorType: deviceId ? 'device' : 'user',
          targetId: deviceId,
          action: 'login',
          result: 'success',
          sensitive: { address: request.ip },
        });
        return {
          M2: proven.M2.toString('base64'),
          userId: user.id,
          deviceId,
          accountKey: {
            wrapped: user.wrapped_account_key.toString('base64'),
            id: user.account_key_id.toString('base64'),
          },
          tokens,
        };
      },
    );

    app.post(
      '/api/v1/auth/refresh',
      { schema: { tags, body: RefreshRequest, response: { 200: TokenPair } } },
      async (request) =>
        refreshSession(config, keys, pool, request.body.refreshToken, (userId, sessionId) =>
          audit
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
        ),
    );

    app.post(
      '/api/v1/auth/logout',
      { preHandler: app.requireAuth, schema: { tags, response: { 200: OkResponse } } },
      async (request) => {
        const auth = authOf(request);
        await revokeSession(pool, auth.sessionId, 'logout');
        await audit.append(auth.userId, {
          eventType: 'session',
          actorId: auth.deviceId ?? auth.userId,
          actorType: auth.deviceId ? 'device' : 'user',
          targetId: auth.sessionId,
          action: 'logout',
          result: 'success',
        });
        return { ok: true as const };
      },
    );

    app.post(
      '/api/v1/auth/revoke-all',
      { preHandler: app.requireAuth, schema: { tags, response: { 200: z.strictObject({ revoked: z.int() }) } } },
      async (request) => {
        const auth = authOf(request);
        const revoked = await revokeAllSessions(pool, auth.userId);
        await audit.append(auth.userId, {
          eventType: 'session',
          actorId: auth.deviceId ?? auth.userId,
          actorType: auth.deviceId ? 'device' : 'user',
          action: 'revoke_all',
          result: 'success',
          sensitive: { sessions: revoked },
        });
        return { revoked };
      },
    );

    app.get(
      '/api/v1/auth/session',
      { preHandler: app.requireAuth, schema: { tags, response: { 200: SessionInfo } } },
      async (request) => {
        const auth = authOf(request);
        const { rows } = await pool.query<{ expires_at: Date }>('SELECT expires_at FROM sessions WHERE id = $1', [
          auth.sessionId,
        ]);
        return { ...auth, expiresAt: (rows[0]?.expires_at ?? new Date()).toISOString() };
      },
    );

    // A new password: new seed, verifier and wrapping of the same account key. The data is
    // untouched; every other session of the account is revoked.
    app.put(
      '/api/v1/auth/password',
      { preHandler: app.requireAuth, schema: { tags, body: PasswordChangeRequest, response: { 200: OkResponse } } },
      async (request) => {
        const auth = authOf(request);
        const body = request.body;
        await withTransaction(pool, async (client) => {
          const updated = await client.query(
            `UPDATE users SET kdf_seed = $2, kdf_params = $3, srp_verifier = $4, wrapped_account_key = $5
            WHERE id = $1 AND account_key_id = $6`,
            [
              auth.userId,
              b64(body.kdf.seed),
              JSON.stringify(body.kdf.params),
              b64(body.srpVerifier),
              b64(body.accountKey.wrapped),
              b64(body.accountKey.id),
            ],
          );
          if (updated.rowCount === 0) {
            throw new AuraError('AURA_CONFLICT', 'the account key id does not match this account; nothing was changed');
          }
          await client.query(
            "UPDATE sessions SET revoked_at = now(), revoked_reason = 'password-change' WHERE user_id = $1 AND id <> $2 AND revoked_at IS NULL",
            [auth.userId, auth.sessionId],
          );
          await audit.append(
            auth.userId,
            {
              eventType: 'password_change',
              actorId: auth.deviceId ?? auth.userId,
              actorType: auth.deviceId ? 'device' : 'user',
              action: 'change_password',
              result: 'success',
              sensitive: { address: request.ip },
            },
            client,
          );
        });
        return { ok: true as const };
      },
    );

    app.get('/.well-known/jwks.json', { schema: { tags } }, async () => ({ keys: [keys.publicJwk] }));
  };
}
