import type { FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';
import { inferenceRoutes } from './routes.ts';

export const inferenceModule = fp(
  async (app: FastifyInstance) => {
    await app.register(inferenceRoutes);
  },
  {
    name: 'aura-inference',
    fastify: '5.x',
    dependencies: ['aura-config', 'aura-database', 'aura-authentication'],
  },
);
