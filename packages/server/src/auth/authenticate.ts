import { AuraError } from '@aura/errors';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type pg from 'pg';
import type { ServerConfig } from '../config.ts';
import type { ServerKeys } from './server-keys.ts';
import { type AuthContext, verifyAccessToken } from './tokens.ts';

declare module 'fastify' {
  interface FastifyRequest {
    auth: AuthContext | null;
  }
  interface FastifyInstance {
    /** preHandler for routes that need a logged-in user. */
    requireAuth(request: FastifyRequest): Promise<void>;
  }
}

export function registerAuthentication(app: FastifyInstance, config: ServerConfig, keys: ServerKeys, pool: pg.Pool) {
  app.decorateRequest('auth', null);
  app.decorate('requireAuth', async (request: FastifyRequest) => {
    const header = request.headers.authorization;
    const match = header?.match(/^Bearer ([A-Za-z0-9_\-.]{10,4096})$/);
    if (!match?.[1]) {
      throw new AuraError('AURA_UNAUTHENTICATED', 'send an access token as "Authorization: Bearer <token>"');
    }
    request.auth = await verifyAccessToken(config, keys, pool, match[1]);
    app.markActiveUser(request.auth.userId);
  });
}

/** The caller's identity in a handler behind requireAuth. */
export function authOf(request: FastifyRequest): AuthContext {
  if (!request.auth) throw new AuraError('AURA_UNAUTHENTICATED', 'this route needs an access token');
  return request.auth;
}
