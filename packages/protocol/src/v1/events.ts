import * as z from 'zod';
import { Base64Text } from './bytes.ts';
import { Notification } from './notifications.ts';
import { UtcTimestamp } from './text.ts';

/**
 * Events between server processes (the event bus: RabbitMQ's topic exchange `aura.events`, or
 * in process). An event says what happened to whom, by type and id only: the notice it carries
 * is metadata the server has anyway, and anything about the user's data travels sealed to the
 * user's devices. Its routing key is `user.<userId>.<type>`.
 */
export const EVENT_TYPES = [
  'task.created',
  'task.approval_requested',
  'task.approval_decided',
  'task.step_succeeded',
  'task.step_failed',
  'task.step_timeout',
  'task.completed',
  'task.cancelled',
  'task.failed',
  'audit.appended',
  'device.enrollment_requested',
  'device.enrolled',
  'device.revoked',
  'support.access_requested',
  'support.access_granted',
  'support.access_revoked',
  'support.data_read',
] as const;
export const EventType = z.enum(EVENT_TYPES);
export type EventType = z.infer<typeof EventType>;

export const BusEvent = z.strictObject({
  /** Unique per event: a consumer that sees an id twice (a redelivery) acts once. */
  id: z.uuid(),
  /** Its place in the user's event log (PostgreSQL), written before it is published. */
  seq: z.int().min(1),
  type: EventType,
  userId: z.uuid(),
  at: UtcTimestamp,
  notice: Notification,
  /** Sealed to the user's devices (base64); copied, never opened. */
  sealed: Base64Text.optional(),
});
export type BusEvent = z.infer<typeof BusEvent>;

/** The event type a notice is announced as. */
export function eventTypeOf(notice: Notification): EventType {
  switch (notice.type) {
    case 'audit':
      return 'audit.appended';
    case 'task':
      return `task.${notice.event}`;
    case 'device':
      return `device.${notice.event}`;
    case 'support':
      return `support.${notice.event}`;
  }
}
