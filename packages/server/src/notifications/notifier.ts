import { randomUUID } from 'node:crypto';
import { type BusEvent, eventTypeOf, type LoggedEvent, type Notification } from '@aura/protocol';
import type { FastifyBaseLogger, FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';
import type pg from 'pg';
import type { EventBus, Subscription } from '../events/bus.ts';
import { appendEvent, loggedEvent } from '../events/log.ts';
import { MemoryEventBus } from '../events/memory-bus.ts';

export type EventListener = (event: LoggedEvent) => void;

/**
 * What happened to a user's account, to every place that tells them. Each notice is written to
 * the user's event log (PostgreSQL `events`, where a device that reconnects reads what it
 * missed) and then goes out on the event bus, so that a client connected to any server process
 * hears of it; each process keeps one private subscription and hands each event to its user's
 * listeners here. Notices are metadata; what a device needs to show more travels sealed.
 */
export class Notifier {
  readonly #listeners = new Map<string, Set<EventListener>>();
  readonly #everyone = new Set<(event: LoggedEvent, userId: string) => void>();
  /** Per user, the last notice on its way: a user's notices reach the log in the order made. */
  readonly #queues = new Map<string, Promise<void>>();
  #subscription: Subscription | undefined;

  constructor(
    readonly bus: EventBus,
    private readonly pool: pg.Pool,
    private readonly log: FastifyBaseLogger,
  ) {}

  async start(): Promise<void> {
    this.#subscription = await this.bus.subscribe('user.#', (event) => this.#deliver(event));
  }

  #deliver(event: BusEvent): void {
    const entry = loggedEvent(event);
    for (const listener of this.#listeners.get(event.userId) ?? []) listener(entry);
    for (const listener of this.#everyone) listener(entry, event.userId);
  }

  /**
   * Announces a notice after the change it tells of has committed. It never throws at the
   * caller; a notice that cannot be logged or published is logged as a warning. The promise
   * settles once it is on the bus (tests and the event benchmark wait on it; callers need not).
   */
  publish(userId: string, notice: Notification, options: { sealed?: Uint8Array | undefined } = {}): Promise<void> {
    const previous = this.#queues.get(userId) ?? Promise.resolve();
    const next = previous.then(() => this.#send(userId, notice, options.sealed));
    this.#queues.set(userId, next);
    void next.finally(() => {
      if (this.#queues.get(userId) === next) this.#queues.delete(userId);
    });
    return next;
  }

  async #send(userId: string, notice: Notification, sealed: Uint8Array | undefined): Promise<void> {
    const type = eventTypeOf(notice);
    try {
      const entry = await appendEvent(this.pool, { id: randomUUID(), userId, type, notice, sealed });
      await this.bus.publish({ ...entry, type, userId });
    } catch (error) {
      this.log.warn({ eventType: type, err: { message: (error as Error).message } }, 'an event was not published');
    }
  }

  /** Hears the user's events, from whichever process they happen on. */
  subscribe(userId: string, listener: EventListener): () => void {
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

  /** Hears every user's events (what a channel of this process acts on for all of them). */
  subscribeAll(listener: (event: LoggedEvent, userId: string) => void): () => void {
    this.#everyone.add(listener);
    return () => {
      this.#everyone.delete(listener);
    };
  }

  /** Notices still on their way (a closing server lets them reach the log and the bus). */
  async drain(): Promise<void> {
    await Promise.all(this.#queues.values());
  }

  async stop(): Promise<void> {
    await this.drain();
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
 * and the notifier on it. amqplib is loaded only for RabbitMQ.
 */
export const notifierPlugin = fp(
  async (app: FastifyInstance, options: { events?: EventBus | undefined }) => {
    const url = app.config.amqpUrl;
    let bus = options.events;
    if (!bus && url) {
      const { RabbitMqEventBus, redact } = await import('../events/rabbitmq-bus.ts');
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
    const notifier = new Notifier(events, app.pool, app.log);
    await notifier.start();
    app.decorate('notifier', notifier);
    app.addHook('onClose', async () => {
      await notifier.stop();
      if (owned) await events.close();
    });
  },
  { name: 'aura-notifications', fastify: '5.x', dependencies: ['aura-config', 'aura-database'] },
);
