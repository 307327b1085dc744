import type { BusEvent } from '@aura/protocol';

/** What a consumer does with an event; a throw hands it back to be delivered again. */
export type EventHandler = (event: BusEvent) => Promise<void> | void;

export interface SubscribeOptions {
  /**
   * A durable queue by this name, shared by every process that subscribes with it (each event to
   * one of them, kept while none listens). Without it, the subscription is this process's own
   * and ends with it: every process sees every event (fan-out to connected clients).
   */
  readonly queue?: string;
}

export interface Subscription {
  close(): Promise<void>;
}

/**
 * The event bus: in process on one server, RabbitMQ across several. `publish` resolves once the
 * bus holds the event (RabbitMQ's publisher confirm); a consumer gets each event at least once,
 * and the bus drops a redelivery of an id the consumer already handled.
 */
export interface EventBus {
  readonly kind: 'in-process' | 'rabbitmq';
  publish(event: BusEvent): Promise<void>;
  /** `pattern` is an AMQP topic pattern over routing keys `user.<id>.<type>` (`*` one word, `#` any). */
  subscribe(pattern: string, handler: EventHandler, options?: SubscribeOptions): Promise<Subscription>;
  close(): Promise<void>;
}

/**
 * The ids a consumer has handled, the newest `capacity` of them: enough to drop redeliveries,
 * which follow the first delivery closely, without growing with the life of the process.
 */
export class SeenIds {
  readonly #ids = new Set<string>();
  constructor(private readonly capacity = 10_000) {}

  /** Records `id`; false when it was already there. */
  add(id: string): boolean {
    if (this.#ids.has(id)) return false;
    this.#ids.add(id);
    if (this.#ids.size > this.capacity) {
      const oldest = this.#ids.values().next().value;
      if (oldest !== undefined) this.#ids.delete(oldest);
    }
    return true;
  }

  forget(id: string): void {
    this.#ids.delete(id);
  }
}
