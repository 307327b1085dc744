import { AuraError } from '@aura/errors';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import fp from 'fastify-plugin';
import { loadServerKeys, type ServerKeys } from './server-keys.ts';
import { type AuthContext, accountOfToken, verifyAccessToken } from './tokens.ts';

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
    app.decorate('accountOfRequest', async (request: FastifyRequest) => {
      const token = bearer(request.headers.authorization);
      return token ? accountOfToken(app.config, keys, token) : undefined;
    });
    app.decorate('requireAuth', async (request: FastifyRequest) => {
      const token = bearer(request.headers.authorization);
      if (!token) {
        throw new AuraError('AURA_UNAUTHENTICATED', 'send an access token as "Authorization: Bearer <token>"');
      }
      request.auth = await verifyAccessToken(app.config, keys, app.pool, token);
      app.markActiveUser(request.auth.userId);
    });
  },
  { name: 'aura-authentication', fastify: '5.x', dependencies: ['aura-config', 'aura-database'] },
);

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
