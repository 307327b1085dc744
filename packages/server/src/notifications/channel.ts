import type { LoggedEvent } from '@aura/protocol';

/**
 * A way to tell a person that something happened (the spec's NotificationChannel). The
 * WebSocket is one (every connected device hears every event, see stream.ts); push and email
 * act on the events worth interrupting someone for, once per event across server processes.
 */
export interface NotificationChannel {
  readonly name: 'push' | 'email';
  /** Whether this kind of event goes out on this channel at all. */
  wants(event: LoggedEvent): boolean;
  /** Delivers one event of the user's log; failures are recorded, never thrown at the bus. */
  send(userId: string, event: LoggedEvent): Promise<void>;
}

/** The events a device is interrupted for: something waits for the person, or has just ended. */
export const INTERRUPTING = new Set([
  'task.approval_requested',
  'task.approval_decided',
  'task.completed',
  'task.failed',
  'task.cancelled',
  'device.enrollment_requested',
  'device.revoked',
  'support.access_requested',
  'support.data_read',
]);
