import type { FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';
import { authRoutes } from './routes.ts';

/** Accounts and logins; token checking for the other modules is aura-authentication. */
export const authModule = fp(
  async (app: FastifyInstance) => {
    await app.register(authRoutes);
  },
  {
    name: 'aura-auth',
    fastify: '5.x',
    dependencies: ['aura-config', 'aura-database', 'aura-audit', 'aura-authentication'],
  },
);
