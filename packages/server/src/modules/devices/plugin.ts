import type { FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';
import { deviceRoutes } from './routes.ts';

export const devicesModule = fp(
  async (app: FastifyInstance) => {
    await app.register(deviceRoutes);
  },
  {
    name: 'aura-devices',
    fastify: '5.x',
    dependencies: ['aura-config', 'aura-database', 'aura-audit', 'aura-authentication', 'aura-agent-hub'],
  },
);
