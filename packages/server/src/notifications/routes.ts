import type { FastifyInstance } from 'fastify';
import { authOf } from '../modules/auth/authenticate.ts';

/** The user's notices as server-sent events, for as long as the connection stays open. */
export async function notificationRoutes(app: FastifyInstance) {
  app.get(
    '/api/v1/notifications',
    { preValidation: app.requireAuth, schema: { tags: ['notifications'] } },
    async (request, reply) => {
      const { userId } = authOf(request);
      reply.hijack();
      const res = reply.raw;
      res.writeHead(200, {
        'content-type': 'text/event-stream',
        'cache-control': 'no-store',
        connection: 'keep-alive',
      });
      res.write(': connected\n\n');
      const unsubscribe = app.notifier.subscribe(userId, (n) =>
        res.write(`event: ${n.type}\ndata: ${JSON.stringify(n)}\n\n`),
      );
      const keepAlive = setInterval(() => res.write(': keep-alive\n\n'), 15_000);
      request.raw.on('close', () => {
        clearInterval(keepAlive);
        unsubscribe();
      });
    },
  );
}
