import type { Notification } from '@aura/protocol';
import type { FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';

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

declare module 'fastify' {
  interface FastifyInstance {
    notifier: Notifier;
  }
}

export const notifierPlugin = fp(
  async (app: FastifyInstance) => {
    app.decorate('notifier', new Notifier());
  },
  { name: 'aura-notifications', fastify: '5.x' },
);
