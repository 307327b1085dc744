import type { FastifyInstance } from 'fastify';
import { sendError } from './errors.ts';

/** Liveness and readiness, outside the rate limits so a probe never locks itself out. */
export async function healthRoutes(app: FastifyInstance) {
  app.get('/health', { config: { rateLimit: false } }, async () => ({ status: 'ok' }));
  app.get('/ready', { config: { rateLimit: false } }, async (_request, reply) => {
    try {
      await app.pool.query('SELECT 1');
      return { status: 'ready' };
    } catch {
      return sendError(reply, 'AURA_NOT_READY', 'the database is not reachable');
    }
  });
}
