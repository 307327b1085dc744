import { createHash, randomBytes, randomUUID } from 'node:crypto';
import { AuraError } from '@aura/errors';
import { errors as joseErrors, jwtVerify, SignJWT } from 'jose';
import type pg from 'pg';
import type { ServerConfig } from '../../config.ts';
import { UNUSABLE_KDF_PARAMS, wellFormedKdfParams } from './kdf.ts';
import { sessionOf } from './repository.ts';
import type { ServerKeys } from './server-keys.ts';

export interface KdfDescriptor {
  seed: string;
  /** The users.kdf_params column as read: any JSON. Only its well-formed form reaches a token. */
  params: unknown;
}

/** Who a verified access token speaks for. */
export interface AuthContext {
  userId: string;
  sessionId: string;
  deviceId: string | null;
  /** When the session ends, as read while checking the token (a session's expiry never moves). */
  expiresAt: Date;
}

export const hashRefreshToken = (token: string) => createHash('sha256').update(token).digest();

/**
 * Access tokens: EdDSA JWTs with the spec's fields. `session_proof` is a hash of the SRP
 * session key K, so a client can tell the token belongs to the session it just proved.
 */
export async function issueAccessToken(
  config: ServerConfig,
  keys: ServerKeys,
  claims: { userId: string; sessionId: string; deviceId: string | null; sessionProof: string; kdf: KdfDescriptor },
): Promise<string> {
  // An odd row must not make a login, a refresh or an enrollment claim fail with a 5xx.
  const params = wellFormedKdfParams(claims.kdf.params) ?? UNUSABLE_KDF_PARAMS;
  return new SignJWT({
    sid: claims.sessionId,
    session_proof: claims.sessionProof,
    key_derivation_params: {
      algorithm: params.algorithm,
      seed: claims.kdf.seed,
      iterations: params.t,
      memory: params.m,
      parallelism: params.p,
    },
    device_id: claims.deviceId,
  })
    .setProtectedHeader({ alg: 'EdDSA', kid: keys.kid, typ: 'JWT' })
    .setSubject(claims.userId)
    .setIssuer(config.jwtIssuer)
    .setAudience(config.jwtAudience)
    .setIssuedAt()
    .setJti(randomUUID())
    .setExpirationTime(`${config.accessTokenSeconds}s`)
    .sign(keys.signingKey);
}

const unauthenticated = (why: string) =>
  new AuraError('AURA_UNAUTHENTICATED', `${why}; log in again or refresh the access token`);

/** Who a token speaks for, by its signature and claims alone. */
export interface TokenClaims {
  userId: string;
  sessionId: string;
}

/**
 * Verifies signature, algorithm, issuer, audience and expiry, with no database: what the rate
 * limit counts by (a forged or expired token names no account) and the first half of
 * requireAuth, which reuses the same check for the request.
 */
/** Tokens whose signature and claims were checked, with their expiry (seconds), per key set. */
const verified = new WeakMap<ServerKeys, Map<string, { claims: TokenClaims; exp: number }>>();
const VERIFIED_KEPT = 10_000;

/**
 * The first half of an access token's check: its signature, issuer, audience and expiry. A
 * token checked once is remembered until it expires: the signature over the same bytes under the
 * same key cannot change, and checking it again was a third of an authenticated request's CPU
 * (decision 0019). The session is still read on every request (verifyAccessToken), so a logout
 * or revocation holds at once.
 */
export async function tokenClaims(config: ServerConfig, keys: ServerKeys, token: string): Promise<TokenClaims> {
  let known = verified.get(keys);
  if (!known) {
    known = new Map();
    verified.set(keys, known);
  }
  const hit = known.get(token);
  if (hit) {
    if (hit.exp > Date.now() / 1000) return hit.claims;
    known.delete(token);
  }
  try {
    const { payload } = await jwtVerify(token, keys.verifyKey, {
      algorithms: ['EdDSA'],
      issuer: config.jwtIssuer,
      audience: config.jwtAudience,
      requiredClaims: ['sub', 'sid', 'exp', 'iat'],
    });
    const claims = { userId: String(payload.sub), sessionId: String(payload.sid) };
    known.set(token, { claims, exp: Number(payload.exp) });
    if (known.size > VERIFIED_KEPT) {
      const oldest = known.keys().next().value;
      if (oldest !== undefined) known.delete(oldest);
    }
    return claims;
  } catch (error) {
    if (error instanceof joseErrors.JWTExpired) throw unauthenticated('the access token has expired');
    throw unauthenticated('the access token is not valid here');
  }
}

/** The second half: that the verified token's session is live. */
export async function verifyAccessToken(pool: pg.Pool, claims: TokenClaims): Promise<AuthContext> {
  const { userId, sessionId } = claims;
  const session = await sessionOf(pool, userId, sessionId);
  if (!session) throw unauthenticated('the session of this token does not exist');
  if (session.revoked_at || session.expires_at < new Date()) {
    throw new AuraError('AURA_SESSION_REVOKED', 'this session was logged out or revoked; log in again');
  }
  return { userId, sessionId, deviceId: session.device_id, expiresAt: session.expires_at };
}

export const newRefreshToken = () => randomBytes(32).toString('base64url');
