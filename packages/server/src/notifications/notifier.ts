import { randomUUID } from 'node:crypto';
import { type BusEvent, eventTypeOf, type Notification } from '@aura/protocol';
import type { FastifyBaseLogger, FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';
import type { EventBus, Subscription } from '../events/bus.ts';
import { MemoryEventBus } from '../events/memory-bus.ts';
import { RabbitMqEventBus, redact } from '../events/rabbitmq-bus.ts';

/**
 * Real-time notices to a user's connected clients. A notice goes out on the event bus, so a
 * client connected to any server process hears what happened on any other; each process keeps
 * one private subscription and hands each event to the listeners of its user here. Notices
 * carry only what the audit log's plaintext columns already show.
 */
export class Notifier {
  readonly #listeners = new Map<string, Set<(n: Notification) => void>>();
  #subscription: Subscription | undefined;

  constructor(
    readonly bus: EventBus,
    private readonly log: FastifyBaseLogger,
  ) {}

  async start(): Promise<void> {
    this.#subscription = await this.bus.subscribe('user.#', (event) => this.#deliver(event));
  }

  #deliver(event: BusEvent): void {
    for (const listener of this.#listeners.get(event.userId) ?? []) listener(event.notice);
  }

  /** Announces a notice; never throws at the caller, whose change is already committed. */
  publish(userId: string, notice: Notification): void {
    const event: BusEvent = {
      id: randomUUID(),
      type: eventTypeOf(notice),
      userId,
      at: new Date().toISOString(),
      notice,
    };
    this.bus.publish(event).catch((error: unknown) => {
      this.log.warn(
        { eventType: event.type, err: { message: (error as Error).message } },
        'an event was not published',
      );
    });
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

  async stop(): Promise<void> {
    await this.#subscription?.close();
  }
}

declare module 'fastify' {
  interface FastifyInstance {
    notifier: Notifier;
  }
}

/**
 * The event bus (RabbitMQ when AMQP_URL is set, in process otherwise, or the one a test passes)
 * and the notifier on it.
 */
export const notifierPlugin = fp(
  async (app: FastifyInstance, options: { events?: EventBus | undefined }) => {
    const url = app.config.amqpUrl;
    let bus = options.events;
    if (!bus && url) {
      bus = await RabbitMqEventBus.connect({
        url,
        processName: app.config.orchestration.executorId,
        onHandlerError: (error) =>
          app.log.warn({ err: { message: (error as Error).message } }, 'an event handler failed'),
        onConnectionChange: (state, error) =>
          state === 'connected'
            ? app.log.info({ broker: redact(url) }, 'event bus connected')
            : app.log.warn(
                { broker: redact(url), err: { message: error?.message } },
                'event bus disconnected; reconnecting',
              ),
      }).catch((error: unknown) => {
        throw new Error(`the event bus could not reach RabbitMQ at ${redact(url)} (AMQP_URL)`, { cause: error });
      });
    }
    const owned = !options.events;
    const events =
      bus ??
      new MemoryEventBus((error) =>
        app.log.warn({ err: { message: (error as Error).message } }, 'an event handler failed'),
      );
    const notifier = new Notifier(events, app.log);
    await notifier.start();
    app.decorate('notifier', notifier);
    app.addHook('onClose', async () => {
      await notifier.stop();
      if (owned) await events.close();
    });
  },
  { name: 'aura-notifications', fastify: '5.x', dependencies: ['aura-config'] },
);
