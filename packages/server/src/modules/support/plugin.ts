import type { FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';
import { supportRoutes } from './routes.ts';

export const supportModule = fp(
  async (app: FastifyInstance) => {
    await app.register(supportRoutes);
  },
  {
    name: 'aura-support',
    fastify: '5.x',
    dependencies: ['aura-config', 'aura-database', 'aura-audit', 'aura-authentication'],
  },
);
