import { randomUUID } from 'node:crypto';
import { BusEvent } from '@aura/protocol';
import amqp, {
  type ChannelModel,
  type ConfirmChannel,
  type ConsumeMessage,
  type RecoveringChannelModel,
} from 'amqplib';
import type { EventBus, EventHandler, SubscribeOptions, Subscription } from './bus.ts';
import { SeenIds } from './bus.ts';
import { routingKey } from './topic.ts';

export const EXCHANGE = 'aura.events';
const DAY_MS = 24 * 3600 * 1000;
const SHARED_QUEUE_EXPIRES_MS = 7 * DAY_MS;

export interface RabbitMqOptions {
  readonly url: string;
  /** Names this process's private queues (`aura.<process>.<n>`), so an operator can tell whose they are. */
  readonly processName?: string;
  /** How long a publish waits for a broker that is away before it fails. */
  readonly publishTimeoutMs?: number;
  readonly onHandlerError?: (error: unknown, event: BusEvent | undefined) => void;
  readonly onConnectionChange?: (state: 'connected' | 'disconnected', error?: Error) => void;
}

interface Consumer {
  readonly pattern: string;
  readonly handler: EventHandler;
  readonly queue: string;
  readonly durable: boolean;
  readonly seen: SeenIds;
  tag?: string;
  closed: boolean;
}

/**
 * The event bus on RabbitMQ: a durable topic exchange, persistent messages, publisher confirms
 * (publish resolves once the broker has the event, and is retried across a reconnect), manual
 * acks (an event whose handler throws is delivered again), and amqplib's own recovery with
 * backoff, after which the exchange, the queues and the consumers are declared again.
 */
export class RabbitMqEventBus implements EventBus {
  readonly kind = 'rabbitmq' as const;
  readonly #options: RabbitMqOptions;
  readonly #consumers = new Set<Consumer>();
  readonly #process: string;
  #connection: RecoveringChannelModel | undefined;
  #channel: ConfirmChannel | undefined;
  #waiting: (() => void)[] = [];
  #closed = false;

  private constructor(options: RabbitMqOptions) {
    this.#options = options;
    this.#process = options.processName ?? randomUUID().slice(0, 8);
  }

  static async connect(options: RabbitMqOptions): Promise<RabbitMqEventBus> {
    const bus = new RabbitMqEventBus(options);
    bus.#connection = await amqp.connect(options.url, {
      recovery: {
        initialDelay: 100,
        maxDelay: 10_000,
        // A server that cannot reach its broker at start says so; once up, it keeps trying.
        initialMaxRetries: 3,
        maxRetries: Number.POSITIVE_INFINITY,
        setup: (model: ChannelModel) => bus.#setup(model),
      },
    });
    bus.#connection.on('disconnect', (error: Error) => {
      bus.#channel = undefined;
      options.onConnectionChange?.('disconnected', error);
    });
    bus.#connection.on('connect', () => options.onConnectionChange?.('connected'));
    bus.#connection.on('error', () => {}); // reported as 'disconnect'; an unheard 'error' would crash
    return bus;
  }

  /** After every (re)connect: the exchange, then every subscription's queue, binding and consumer. */
  async #setup(model: ChannelModel): Promise<void> {
    const channel = await model.createConfirmChannel();
    channel.on('error', () => {}); // the connection's recovery handles it
    await channel.assertExchange(EXCHANGE, 'topic', { durable: true });
    await channel.prefetch(64);
    for (const consumer of this.#consumers) if (!consumer.closed) await this.#consume(channel, consumer);
    this.#channel = channel;
    for (const wake of this.#waiting.splice(0)) wake();
  }

  async #consume(channel: ConfirmChannel, consumer: Consumer): Promise<void> {
    await channel.assertQueue(consumer.queue, {
      durable: consumer.durable,
      // A private queue goes with its process; a named one waits for a consumer to come back.
      exclusive: !consumer.durable,
      autoDelete: !consumer.durable,
      // A named queue nobody has consumed for a week belongs to a deployment that is gone, and
      // an event a day old has nobody left to interrupt: neither is kept forever.
      ...(consumer.durable ? { arguments: { 'x-expires': SHARED_QUEUE_EXPIRES_MS, 'x-message-ttl': DAY_MS } } : {}),
    });
    await channel.bindQueue(consumer.queue, EXCHANGE, consumer.pattern);
    const { consumerTag } = await channel.consume(consumer.queue, (message) => {
      if (message) void this.#deliver(channel, consumer, message);
    });
    consumer.tag = consumerTag;
  }

  async #deliver(channel: ConfirmChannel, consumer: Consumer, message: ConsumeMessage): Promise<void> {
    let event: BusEvent;
    try {
      event = BusEvent.parse(JSON.parse(message.content.toString('utf8')));
    } catch (error) {
      // Not an event of ours: delivering it again would not make it one.
      this.#options.onHandlerError?.(error, undefined);
      return settle(() => channel.nack(message, false, false));
    }
    if (!consumer.seen.add(event.id)) return settle(() => channel.ack(message));
    try {
      await consumer.handler(event);
      settle(() => channel.ack(message));
    } catch (error) {
      consumer.seen.forget(event.id);
      this.#options.onHandlerError?.(error, event);
      // Once more, to any consumer of the queue; a second failure drops it (no poison loop).
      settle(() => channel.nack(message, false, !message.fields.redelivered));
    }
  }

  /** The channel, once the broker is reachable; fails after publishTimeoutMs. */
  async #ready(): Promise<ConfirmChannel> {
    if (this.#channel) return this.#channel;
    const timeout = this.#options.publishTimeoutMs ?? 10_000;
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.#waiting = this.#waiting.filter((w) => w !== wake);
        reject(new Error(`RabbitMQ at ${redact(this.#options.url)} has not answered for ${timeout} ms`));
      }, timeout);
      const wake = () => {
        clearTimeout(timer);
        resolve();
      };
      this.#waiting.push(wake);
    });
    if (!this.#channel) throw new Error('the event bus is closed');
    return this.#channel;
  }

  async publish(event: BusEvent): Promise<void> {
    const body = Buffer.from(JSON.stringify(BusEvent.parse(event)));
    const deadline = Date.now() + (this.#options.publishTimeoutMs ?? 10_000);
    for (;;) {
      if (this.#closed) throw new Error('the event bus is closed');
      const channel = await this.#ready();
      try {
        await new Promise<void>((resolve, reject) => {
          channel.publish(
            EXCHANGE,
            routingKey(event.userId, event.type),
            body,
            {
              persistent: true,
              contentType: 'application/json',
              messageId: event.id,
              type: event.type,
              timestamp: Math.floor(Date.parse(event.at) / 1000),
            },
            (error: unknown) => (error ? reject(error) : resolve()),
          );
        });
        return;
      } catch (error) {
        // The connection went before the broker confirmed: publish again on the next one
        // (consumers drop the duplicate by its id).
        if (Date.now() > deadline) throw error;
        if (this.#channel === channel) this.#channel = undefined;
      }
    }
  }

  async subscribe(pattern: string, handler: EventHandler, options: SubscribeOptions = {}): Promise<Subscription> {
    const consumer: Consumer = {
      pattern,
      handler,
      queue: options.queue ?? `aura.${this.#process}.${randomUUID()}`,
      durable: options.queue !== undefined,
      seen: new SeenIds(),
      closed: false,
    };
    this.#consumers.add(consumer);
    await this.#consume(await this.#ready(), consumer);
    return {
      close: async () => {
        consumer.closed = true;
        this.#consumers.delete(consumer);
        const channel = this.#channel;
        if (channel && consumer.tag) await channel.cancel(consumer.tag).catch(() => {});
      },
    };
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    this.#channel = undefined;
    for (const wake of this.#waiting.splice(0)) wake();
    await this.#connection?.close().catch(() => {});
  }
}

/** An ack or nack on a channel that has closed throws; the broker redelivers what was not acked. */
function settle(act: () => void): void {
  try {
    act();
  } catch {}
}

/** The URL without its password, for an error message. */
export function redact(url: string): string {
  try {
    const u = new URL(url);
    if (u.password) u.password = '***';
    return u.toString();
  } catch {
    return 'the configured URL';
  }
}
