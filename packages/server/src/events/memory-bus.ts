import type { BusEvent } from '@aura/protocol';
import type { EventBus, EventHandler, SubscribeOptions, Subscription } from './bus.ts';
import { SeenIds } from './bus.ts';
import { routingKey, topicMatches } from './topic.ts';

interface Consumer {
  readonly handler: EventHandler;
}

/** A queue: bound by one pattern, each event to one of its consumers in turn (as RabbitMQ does). */
interface Queue {
  readonly pattern: string;
  readonly consumers: Consumer[];
  readonly seen: SeenIds;
  next: number;
}

/**
 * The embedded default, in one process: a private subscription is a queue of its own, a named
 * one is shared by everyone who names it. Events are handed on after the publisher's turn, as a
 * broker would; a handler that throws gets the event again (three tries), then it is reported,
 * never thrown at the publisher.
 */
export class MemoryEventBus implements EventBus {
  readonly kind = 'in-process' as const;
  readonly #queues = new Set<Queue>();
  readonly #named = new Map<string, Queue>();
  #closed = false;

  constructor(private readonly onHandlerError: (error: unknown, event: BusEvent) => void = () => {}) {}

  async publish(event: BusEvent): Promise<void> {
    if (this.#closed) throw new Error('the event bus is closed');
    const key = routingKey(event.userId, event.type);
    for (const queue of this.#queues) {
      if (topicMatches(queue.pattern, key)) queueMicrotask(() => void this.#deliver(queue, event, 1));
    }
  }

  async #deliver(queue: Queue, event: BusEvent, attempt: number): Promise<void> {
    const consumer = queue.consumers[queue.next++ % Math.max(1, queue.consumers.length)];
    if (!consumer || !queue.seen.add(event.id)) return;
    try {
      await consumer.handler(event);
    } catch (error) {
      queue.seen.forget(event.id);
      if (attempt < 3) setImmediate(() => void this.#deliver(queue, event, attempt + 1));
      else this.onHandlerError(error, event);
    }
  }

  async subscribe(pattern: string, handler: EventHandler, options: SubscribeOptions = {}): Promise<Subscription> {
    if (this.#closed) throw new Error('the event bus is closed');
    const consumer: Consumer = { handler };
    let queue = options.queue === undefined ? undefined : this.#named.get(options.queue);
    if (!queue) {
      queue = { pattern, consumers: [], seen: new SeenIds(), next: 0 };
      this.#queues.add(queue);
      if (options.queue !== undefined) this.#named.set(options.queue, queue);
    }
    queue.consumers.push(consumer);
    const owner = queue;
    return {
      close: async () => {
        const at = owner.consumers.indexOf(consumer);
        if (at >= 0) owner.consumers.splice(at, 1);
        // A private queue ends with its consumer; a named one keeps its binding (it is durable).
        if (options.queue === undefined) this.#queues.delete(owner);
      },
    };
  }

  async close(): Promise<void> {
    this.#closed = true;
    this.#queues.clear();
    this.#named.clear();
  }
}
