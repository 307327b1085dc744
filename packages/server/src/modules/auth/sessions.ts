import { createHash, randomUUID } from 'node:crypto';
import { AuraError } from '@aura/errors';
import type { TokenPair } from '@aura/protocol';
import type pg from 'pg';
import { toBase64 } from '../../base64.ts';
import type { ServerConfig } from '../../config.ts';
import {
  insertRefreshToken,
  insertSession,
  lockRefreshToken,
  markRefreshTokenUsed,
  revokeForTokenReuse,
} from './repository.ts';
import type { ServerKeys } from './server-keys.ts';
import { hashRefreshToken, issueAccessToken, type KdfDescriptor, newRefreshToken } from './tokens.ts';

interface SessionOwner {
  userId: string;
  sessionId: string;
  deviceId: string | null;
  sessionProof: string;
  kdf: KdfDescriptor;
}

async function tokensFor(config: ServerConfig, keys: ServerKeys, db: pg.Pool | pg.PoolClient, owner: SessionOwner) {
  const refreshToken = newRefreshToken();
  await insertRefreshToken(db, hashRefreshToken(refreshToken), owner.sessionId, config.refreshTokenSeconds);
  const accessToken = await issueAccessToken(config, keys, owner);
  return { accessToken, refreshToken, expiresIn: config.accessTokenSeconds, tokenType: 'Bearer' as const };
}

/**
 * A new session and its tokens. With `deviceId`, only for an active device of the account:
 * AURA_UNAUTHENTICATED otherwise, and nothing is stored.
 */
export async function createSession(
  config: ServerConfig,
  keys: ServerKeys,
  pool: pg.Pool,
  input: { userId: string; deviceId: string | null; K: Uint8Array; kdf: KdfDescriptor },
): Promise<TokenPair> {
  const sessionId = randomUUID();
  const sessionProof = createHash('sha256').update('aura/v1/session-proof\0').update(input.K).digest('base64url');
  const refreshToken = newRefreshToken();
  const made = await insertSession(pool, {
    id: sessionId,
    userId: input.userId,
    deviceId: input.deviceId,
    sessionProof,
    seconds: config.refreshTokenSeconds,
    refreshTokenHash: hashRefreshToken(refreshToken),
    refreshSeconds: config.refreshTokenSeconds,
  });
  if (!made) throw new AuraError('AURA_UNAUTHENTICATED', 'this device is not enrolled in the account, or was revoked');
  const accessToken = await issueAccessToken(config, keys, { ...input, sessionId, sessionProof });
  return { accessToken, refreshToken, expiresIn: config.accessTokenSeconds, tokenType: 'Bearer' as const };
}

/**
 * Rotates a refresh token. A token presented a second time means two parties hold it: the
 * whole session is revoked (reuse detection), and both must log in again.
 */
export async function refreshSession(
  config: ServerConfig,
  keys: ServerKeys,
  pool: pg.Pool,
  token: string,
  onReuse: (userId: string, sessionId: string) => Promise<void> = async () => {},
) {
  const tokenHash = hashRefreshToken(token);
  const client = await pool.connect();
  let reused = false;
  try {
    await client.query('BEGIN');
    const row = await lockRefreshToken(client, tokenHash);
    if (!row || row.expires_at < new Date()) {
      await client.query('ROLLBACK');
      throw new AuraError('AURA_REFRESH_TOKEN_INVALID', 'the refresh token is unknown or expired; log in again');
    }
    if (row.used_at) {
      await revokeForTokenReuse(client, row.session_id);
      await client.query('COMMIT');
      reused = true;
      await onReuse(row.user_id, row.session_id);
      throw new AuraError(
        'AURA_REFRESH_TOKEN_REUSED',
        'this refresh token was already used, so the session was revoked; log in again',
      );
    }
    if (row.revoked_at) {
      await client.query('ROLLBACK');
      throw new AuraError('AURA_SESSION_REVOKED', 'this session was logged out or revoked; log in again');
    }
    await markRefreshTokenUsed(client, tokenHash);
    const pair = await tokensFor(config, keys, client, {
      userId: row.user_id,
      sessionId: row.session_id,
      deviceId: row.device_id,
      sessionProof: row.session_proof,
      kdf: { seed: toBase64(row.kdf_seed), params: row.kdf_params },
    });
    await client.query('COMMIT');
    return pair;
  } catch (error) {
    if (!reused && !(error instanceof AuraError)) await client.query('ROLLBACK').catch(() => {});
    throw error;
  } finally {
    client.release();
  }
}
