import type { FastifyInstance } from 'fastify';
import { sendError } from './errors.ts';

const tags = ['health'];

/** Liveness and readiness, outside the rate limits so a probe never locks itself out. */
export async function healthRoutes(app: FastifyInstance) {
  app.get(
    '/health',
    {
      config: { rateLimit: false },
      schema: {
        tags,
        summary: 'Check that the process is up',
        description:
          'Liveness: answers `ok` as long as the process serves HTTP, without touching the database. Needs no token and is not rate-limited, so a probe never locks itself out.',
      },
    },
    async () => ({ status: 'ok' }),
  );
  app.get(
    '/ready',
    {
      config: { rateLimit: false },
      schema: {
        tags,
        summary: 'Check that the server can serve requests',
        description:
          'Readiness: answers `ready` when the database answers, AURA_NOT_READY (503) while it does not. Needs no token and is not rate-limited; a load balancer sends traffic only to a ready server.',
      },
    },
    async (_request, reply) => {
      try {
        await app.pool.query('SELECT 1');
        return { status: 'ready' };
      } catch {
        return sendError(reply, 'AURA_NOT_READY', 'the database is not reachable');
      }
    },
  );
}
