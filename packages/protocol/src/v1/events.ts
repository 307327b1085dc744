import { z } from 'zod';
import { Notification } from './notifications.ts';
import { UtcTimestamp } from './text.ts';

/**
 * Events between server processes (the event bus: RabbitMQ's topic exchange `aura.events`, or
 * in process). An event says what happened to whom, by type and id only: the notice it carries
 * is the metadata the audit log's plaintext columns already show, and anything about the user's
 * data travels sealed to the user's devices. Its routing key is `user.<userId>.<type>`.
 */
export const EVENT_TYPES = [
  'task.approval_requested',
  'task.step_succeeded',
  'task.step_failed',
  'task.step_timeout',
  'task.completed',
  'task.cancelled',
  'task.failed',
  'audit.appended',
] as const;
export const EventType = z.enum(EVENT_TYPES);
export type EventType = z.infer<typeof EventType>;

export const BusEvent = z.strictObject({
  /** Unique per event: a consumer that sees an id twice (a redelivery) acts once. */
  id: z.uuid(),
  type: EventType,
  userId: z.uuid(),
  at: UtcTimestamp,
  notice: Notification,
});
export type BusEvent = z.infer<typeof BusEvent>;

/** The event type a notice is announced as. */
export function eventTypeOf(notice: Notification): EventType {
  return notice.type === 'task' ? `task.${notice.event}` : 'audit.appended';
}
