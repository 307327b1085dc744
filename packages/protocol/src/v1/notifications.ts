import * as z from 'zod';
import { Base64Text } from './bytes.ts';
import { StepId } from './tasks.ts';
import { queryInteger, UtcTimestamp } from './text.ts';

/**
 * Notices: what happened to a user's account, by type and id. They carry only metadata the
 * server has anyway (the audit log's plaintext columns, a task's status); what a device needs to
 * show more travels beside them sealed (`sealed` of a LoggedEvent), which the server cannot open.
 */
export const TaskNotice = z.strictObject({
  type: z.literal('task'),
  event: z.enum([
    'created',
    'approval_requested',
    'approval_decided',
    'step_succeeded',
    'step_failed',
    'step_timeout',
    'completed',
    'cancelled',
    'failed',
  ]),
  taskId: z.uuid(),
  stepId: StepId.optional(),
  /** For approval_decided: which way, so that the other devices can clear their prompt. */
  decision: z.enum(['approve', 'reject']).optional(),
  /** Why a task ended (rejected, expired, a step failed); the sealed reason says more. */
  why: z.string().optional(),
});
export type TaskNotice = z.infer<typeof TaskNotice>;

export const AuditNotice = z.strictObject({
  type: z.literal('audit'),
  index: z.int().min(0),
  eventType: z.string(),
  action: z.string(),
  result: z.enum(['success', 'failure', 'pending']),
  actorType: z.enum(['user', 'device', 'support_agent', 'system']),
});
export type AuditNotice = z.infer<typeof AuditNotice>;

export const DeviceNotice = z.strictObject({
  type: z.literal('device'),
  event: z.enum(['enrollment_requested', 'enrolled', 'revoked']),
  /** The device added or revoked; for a request, the enrollment waiting for approval. */
  deviceId: z.uuid().optional(),
  enrollmentId: z.uuid().optional(),
});
export type DeviceNotice = z.infer<typeof DeviceNotice>;

export const SupportNotice = z.strictObject({
  type: z.literal('support'),
  event: z.enum(['access_requested', 'access_granted', 'access_revoked', 'data_read']),
  /** The access request or grant it is about. */
  id: z.uuid(),
});
export type SupportNotice = z.infer<typeof SupportNotice>;

export const Notification = z.discriminatedUnion('type', [TaskNotice, AuditNotice, DeviceNotice, SupportNotice]);
export type Notification = z.infer<typeof Notification>;

/**
 * One entry of the user's event log (PostgreSQL `events`): `seq` orders a user's entries, so a
 * device that reconnects asks for those after the last it saw. `sealed` (base64) is what the
 * submitting client sealed for the user's devices (for an approval request, the step's
 * ciphertext under the account's task key); the server copies it and cannot read it.
 */
export const LoggedEvent = z.strictObject({
  seq: z.int().min(1),
  id: z.uuid(),
  type: z.string(),
  at: UtcTimestamp,
  notice: Notification,
  sealed: Base64Text.optional(),
});
export type LoggedEvent = z.infer<typeof LoggedEvent>;

export const NotificationLogQuery = z.strictObject({
  /** Entries after this seq (0: from the oldest kept). */
  after: queryInteger({ min: 0, max: Number.MAX_SAFE_INTEGER }).default(0),
  limit: queryInteger({ min: 1, max: 1000 }).default(100),
});
export type NotificationLogQuery = z.infer<typeof NotificationLogQuery>;

export const NotificationLog = z.strictObject({
  events: z.array(LoggedEvent),
  /** The newest seq of this user's log, so a client knows whether it has caught up. */
  latest: z.int().min(0),
});
export type NotificationLog = z.infer<typeof NotificationLog>;

/**
 * Frames of the notification WebSocket (GET /api/v1/notifications/connect?after=SEQ): every entry
 * after `after` from the log, in order (the replay is read before the socket says hello), then a
 * `hello` with the newest seq, then each new one as it happens. The client only listens; a frame
 * from it is ignored.
 */
export const NotificationFrame = z.discriminatedUnion('type', [
  z.strictObject({ type: z.literal('hello'), deviceId: z.uuid().nullable(), latest: z.int().min(0) }),
  z.strictObject({ type: z.literal('event'), event: LoggedEvent }),
]);
export type NotificationFrame = z.infer<typeof NotificationFrame>;

/** Unpadded base64url of `chars` characters, as a browser's PushSubscription gives its keys. */
const base64Url = (chars: number) =>
  z.string().regex(new RegExp(`^[A-Za-z0-9_-]{${chars}}$`), `must be ${chars} characters of unpadded base64url`);

/** A device's Web Push subscription (the browser's PushSubscription.toJSON()). */
export const PushSubscriptionIn = z.strictObject({
  endpoint: z.url({ protocol: /^https?$/ }).max(2048),
  expirationTime: z.number().nullable().optional(),
  keys: z.strictObject({
    /** The subscription's P-256 public key, uncompressed, base64url (65 bytes). */
    p256dh: base64Url(87),
    /** The 16-byte auth secret, base64url. */
    auth: base64Url(22),
  }),
});
export type PushSubscriptionIn = z.infer<typeof PushSubscriptionIn>;

export const VapidKey = z.strictObject({
  /** The server's VAPID public key (applicationServerKey), base64url. */
  publicKey: z.string(),
});
export type VapidKey = z.infer<typeof VapidKey>;

/**
 * What a push message carries, encrypted (RFC 8291) to the device's subscription: only the log
 * entry's seq, type and ids, and the sealed part. A device fetches nothing to show it.
 */
export const PushPayload = z.strictObject({
  seq: z.int().min(1),
  type: z.string(),
  notice: Notification,
  sealed: Base64Text.optional(),
});
export type PushPayload = z.infer<typeof PushPayload>;

/** Email notices (a link, no content) for this account, on or off; off until turned on. */
export const EmailNotices = z.strictObject({ enabled: z.boolean() });
export type EmailNotices = z.infer<typeof EmailNotices>;

/**
 * The user's notification preferences (channels per kind, quiet hours), sealed by the client
 * under the account's key: the server keeps them for the user's devices and cannot read them;
 * each device applies them to what it shows.
 */
// At least an envelope's header, nonce and tag; at most 64 KiB.
export const SealedSettings = z.strictObject({ ciphertext: Base64Text.min(32).max(64 * 1024) });
export type SealedSettings = z.infer<typeof SealedSettings>;

export const DeliveryList = z.strictObject({
  deliveries: z.array(
    z.strictObject({
      eventId: z.uuid(),
      channel: z.enum(['push', 'email']),
      deviceId: z.uuid().nullable(),
      outcome: z.enum(['sent', 'failed', 'expired']),
      detail: z.string().nullable(),
      at: UtcTimestamp,
    }),
  ),
});
export type DeliveryList = z.infer<typeof DeliveryList>;
