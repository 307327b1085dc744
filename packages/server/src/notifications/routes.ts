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
      // The timer must not keep a process alive on its own (a server closing, a test ending).
      const keepAlive = setInterval(() => res.write(': keep-alive\n\n'), 15_000).unref();
      let open = true;
      const leave = () => {
        if (!open) return;
        open = false;
        clearInterval(keepAlive);
        unsubscribe();
      };
      // Whichever side ends first: the client leaving closes the request, a destroyed answer the response.
      request.raw.once('close', leave);
      res.once('close', leave);
    },
  );
}
