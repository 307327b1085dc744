import type { FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';
import { auditRoutes } from './routes.ts';

/** The audit log's HTTP API; the log itself is src/audit/, decorated by aura-audit. */
export const auditModule = fp(
  async (app: FastifyInstance) => {
    await app.register(auditRoutes);
  },
  { name: 'aura-audit-api', fastify: '5.x', dependencies: ['aura-database', 'aura-audit', 'aura-authentication'] },
);
