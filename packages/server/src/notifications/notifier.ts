import type { FastifyInstance } from 'fastify';
import { authOf } from '../auth/authenticate.ts';

export interface Notification {
  type: string;
  [key: string]: unknown;
}

/**
 * Real-time notices to a user's connected clients, as server-sent events. In process (one
 * server); several instances would fan out through the event bus. Notices carry only what the
 * audit log's plaintext columns already show.
 */
export class Notifier {
  readonly #listeners = new Map<string, Set<(n: Notification) => void>>();

  publish(userId: string, notification: Notification): void {
    for (const listener of this.#listeners.get(userId) ?? []) listener(notification);
  }

  subscribe(userId: string, listener: (n: Notification) => void): () => void {
    let set = this.#listeners.get(userId);
    if (!set) {
      set = new Set();
      this.#listeners.set(userId, set);
    }
    set.add(listener);
    return () => {
      set.delete(listener);
      if (set.size === 0) this.#listeners.delete(userId);
    };
  }
}

export function notificationRoutes(notifier: Notifier) {
  return async (app: FastifyInstance) => {
    app.get(
      '/api/v1/notifications',
      { preHandler: app.requireAuth, schema: { tags: ['notifications'] } },
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
        const unsubscribe = notifier.subscribe(userId, (n) =>
          res.write(`event: ${n.type}\ndata: ${JSON.stringify(n)}\n\n`),
        );
        const keepAlive = setInterval(() => res.write(': keep-alive\n\n'), 15_000);
        request.raw.on('close', () => {
          clearInterval(keepAlive);
          unsubscribe();
        });
      },
    );
  };
}
