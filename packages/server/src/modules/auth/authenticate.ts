import { AuraError } from '@aura/errors';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import fp from 'fastify-plugin';
import { loadServerKeys, type ServerKeys } from './server-keys.ts';
import { type AuthContext, type TokenClaims, tokenClaims, verifyAccessToken } from './tokens.ts';

declare module 'fastify' {
  interface FastifyRequest {
    auth: AuthContext | null;
  }
  interface FastifyInstance {
    /** preValidation hook for routes that need a logged-in user: after the rate limit, before the body is validated, so an anonymous caller learns nothing from the schema. */
    requireAuth(request: FastifyRequest): Promise<void>;
    /** The keys that sign access tokens and shape fake logins; loaded once, kept in the database. */
    serverKeys: ServerKeys;
    /** The account whose valid token the request carries, or undefined: the rate limit's key. */
    accountOfRequest(request: FastifyRequest): Promise<string | undefined>;
  }
}

/** Access-token checking for every module; the login routes that issue tokens are the auth module's. */
export const authenticationPlugin = fp(
  async (app: FastifyInstance) => {
    const keys = await loadServerKeys(app.pool);
    app.decorate('serverKeys', keys);
    app.decorateRequest('auth', null);
    // The rate limit (onRequest) and requireAuth (preValidation) both need the token checked:
    // once per request, the promise kept for the second.
    const checked = new WeakMap<FastifyRequest, Promise<TokenClaims>>();
    const claimsOf = (request: FastifyRequest, token: string) => {
      let claims = checked.get(request);
      if (!claims) {
        claims = tokenClaims(app.config, keys, token);
        claims.catch(() => {}); // the rate limit only asks; requireAuth reports the refusal
        checked.set(request, claims);
      }
      return claims;
    };
    app.decorate('accountOfRequest', async (request: FastifyRequest) => {
      const token = tokenOf(request);
      if (!token) return undefined;
      return claimsOf(request, token).then(
        (claims) => claims.userId,
        () => undefined,
      );
    });
    app.decorate('requireAuth', async (request: FastifyRequest) => {
      const token = tokenOf(request);
      if (!token) {
        throw new AuraError(
          'AURA_UNAUTHENTICATED',
          'send an access token as "Authorization: Bearer <token>" (a browser\'s WebSocket: subprotocol "aura.bearer.<token>")',
        );
      }
      request.auth = await verifyAccessToken(app.pool, await claimsOf(request, token));
      app.markActiveUser(request.auth.userId);
    });
  },
  { name: 'aura-authentication', fastify: '5.x', dependencies: ['aura-config', 'aura-database'] },
);

/**
 * The access token a request carries. A browser cannot set headers on a WebSocket, so an upgrade
 * may carry it as the subprotocol "aura.bearer.<token>" beside "aura.v1", which the server picks
 * (ws answers with the first protocol offered). Only for upgrades: a plain request has headers.
 */
function tokenOf(request: FastifyRequest): string | undefined {
  const header = bearer(request.headers.authorization);
  if (header || request.headers.upgrade?.toLowerCase() !== 'websocket') return header;
  const offered = request.headers['sec-websocket-protocol'];
  return offered
    ?.split(',')
    .map((p) => p.trim().match(/^aura\.bearer\.([A-Za-z0-9_\-.]{10,4096})$/)?.[1])
    .find(Boolean);
}

/** The token of an `Authorization: Bearer …` header of a plausible form, or undefined. */
function bearer(header: string | undefined): string | undefined {
  return header?.match(/^Bearer ([A-Za-z0-9_\-.]{10,4096})$/)?.[1];
}

/** The caller's identity in a handler behind requireAuth. */
export function authOf(request: FastifyRequest): AuthContext {
  if (!request.auth) throw new AuraError('AURA_UNAUTHENTICATED', 'this route needs an access token');
  return request.auth;
}

/** Who the audit log names for a caller: the device when the session has one, else the user. */
export function actorOf(auth: Pick<AuthContext, 'userId' | 'deviceId'>): {
  actorId: string;
  actorType: 'device' | 'user';
} {
  return auth.deviceId ? { actorId: auth.deviceId, actorType: 'device' } : { actorId: auth.userId, actorType: 'user' };
}
