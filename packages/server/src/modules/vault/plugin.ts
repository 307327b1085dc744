import { collections } from '@aura/protocol';
import type { FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';
import { vaultRoutes } from './routes.ts';

/** One encrypted vault API per collection, each in its own encapsulated context. */
export const vaultModule = fp(
  async (app: FastifyInstance) => {
    for (const collection of collections) await app.register(vaultRoutes, { collection });
  },
  {
    name: 'aura-vault',
    fastify: '5.x',
    dependencies: ['aura-database', 'aura-audit', 'aura-authentication', 'aura-cache'],
  },
);
