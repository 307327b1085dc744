import type { FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';
import { taskRoutes } from './routes.ts';

export const tasksModule = fp(
  async (app: FastifyInstance) => {
    await app.register(taskRoutes);
  },
  {
    name: 'aura-tasks',
    fastify: '5.x',
    dependencies: ['aura-database', 'aura-audit', 'aura-authentication', 'aura-workflow'],
  },
);
