import { createHash, randomUUID } from 'node:crypto';
import { AuraError } from '@aura/errors';
import type pg from 'pg';
import type { ServerConfig } from '../config.ts';
import type { ServerKeys } from './server-keys.ts';
import { hashRefreshToken, issueAccessToken, type KdfDescriptor, newRefreshToken } from './tokens.ts';

export interface TokenPairOut {
  accessToken: string;
  refreshToken: string;
  expiresIn: number;
  tokenType: 'Bearer';
}

interface SessionOwner {
  userId: string;
  sessionId: string;
  deviceId: string | null;
  sessionProof: string;
  kdf: KdfDescriptor;
}

async function tokensFor(config: ServerConfig, keys: ServerKeys, db: pg.Pool | pg.PoolClient, owner: SessionOwner) {
  const refreshToken = newRefreshToken();
  await db.query(
    `INSERT INTO refresh_tokens (token_hash, session_id, expires_at)
     VALUES ($1, $2, now() + make_interval(secs => $3))`,
    [hashRefreshToken(refreshToken), owner.sessionId, config.refreshTokenSeconds],
  );
  const accessToken = await issueAccessToken(config, keys, owner);
  return { accessToken, refreshToken, expiresIn: config.accessTokenSeconds, tokenType: 'Bearer' as const };
}

export async function createSession(
  config: ServerConfig,
  keys: ServerKeys,
  pool: pg.Pool,
  input: { userId: string; deviceId: string | null; K: Uint8Array; kdf: KdfDescriptor },
): Promise<TokenPairOut> {
  const sessionId = randomUUID();
  const sessionProof = createHash('sha256').update('aura/v1/session-proof\0').update(input.K).digest('base64url');
  await pool.query(
    `INSERT INTO sessions (id, user_id, device_id, session_proof, expires_at)
     VALUES ($1, $2, $3, $4, now() + make_interval(secs => $5))`,
    [sessionId, input.userId, input.deviceId, sessionProof, config.refreshTokenSeconds],
  );
  return tokensFor(config, keys, pool, { ...input, sessionId, sessionProof });
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
  const client = await pool.connect();
  let reused = false;
  try {
    await client.query('BEGIN');
    const { rows } = await client.query<{
      session_id: string;
      used_at: Date | null;
      expires_at: Date;
      user_id: string;
      device_id: string | null;
      session_proof: string;
      revoked_at: Date | null;
      kdf_seed: Buffer;
      kdf_params: unknown;
    }>(
      `SELECT rt.session_id, rt.used_at, rt.expires_at, s.user_id, s.device_id, s.session_proof, s.revoked_at,
              u.kdf_seed, u.kdf_params
         FROM refresh_tokens rt JOIN sessions s ON s.id = rt.session_id JOIN users u ON u.id = s.user_id
        WHERE rt.token_hash = $1
        FOR UPDATE OF rt, s`,
      [hashRefreshToken(token)],
    );
    const row = rows[0];
    if (!row || row.expires_at < new Date()) {
      await client.query('ROLLBACK');
      throw new AuraError('AURA_REFRESH_TOKEN_INVALID', 'the refresh token is unknown or expired; log in again');
    }
    if (row.used_at) {
      await client.query(
        "UPDATE sessions SET revoked_at = coalesce(revoked_at, now()), revoked_reason = coalesce(revoked_reason, 'refresh-token-reuse') WHERE id = $1",
        [row.session_id],
      );
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
    await client.query('UPDATE refresh_tokens SET used_at = now() WHERE token_hash = $1', [hashRefreshToken(token)]);
    const pair = await tokensFor(config, keys, client, {
      userId: row.user_id,
      sessionId: row.session_id,
      deviceId: row.device_id,
      sessionProof: row.session_proof,
      kdf: { seed: row.kdf_seed.toString('base64'), params: row.kdf_params },
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

export async function revokeSession(pool: pg.Pool, sessionId: string, reason: string): Promise<void> {
  await pool.query('UPDATE sessions SET revoked_at = now(), revoked_reason = $2 WHERE id = $1 AND revoked_at IS NULL', [
    sessionId,
    reason,
  ]);
}

export async function revokeAllSessions(pool: pg.Pool, userId: string): Promise<number> {
  const result = await pool.query(
    "UPDATE sessions SET revoked_at = now(), revoked_reason = 'revoke-all' WHERE user_id = $1 AND revoked_at IS NULL",
    [userId],
  );
  return result.rowCount ?? 0;
}
