import type { FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';
import { agentChannelRoutes } from './routes.ts';

export const agentChannelModule = fp(
  async (app: FastifyInstance) => {
    await app.register(agentChannelRoutes);
  },
  {
    name: 'aura-agent-channel',
    fastify: '5.x',
    dependencies: ['aura-database', 'aura-authentication', 'aura-agent-hub', '@fastify/websocket'],
  },
);
