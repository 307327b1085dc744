import { createHash } from 'node:crypto';
import { type LoggedEvent, type PushPayload, type PushSubscriptionIn, VapidKey } from '@aura/protocol';
import type { FastifyBaseLogger } from 'fastify';
import type pg from 'pg';
import webpush from 'web-push';
import { keepFirstServerKey } from '../db/server-keys.ts';
import { INTERRUPTING, type NotificationChannel } from './channel.ts';
import {
  activeSubscriptions,
  expireSubscription,
  markSent,
  type PushSubscriptionRow,
  recordDelivery,
} from './push-repository.ts';

export interface VapidKeys {
  publicKey: string;
  privateKey: string;
}

/** The server's VAPID key pair, made once and shared by every server process. */
export async function loadVapidKeys(pool: pg.Pool): Promise<VapidKeys> {
  const keys = await keepFirstServerKey<VapidKeys>(pool, 'vapid', webpush.generateVAPIDKeys());
  VapidKey.parse({ publicKey: keys.publicKey });
  return keys;
}

// A push service keeps at most 4 KiB of payload; the record's own overhead (RFC 8188) takes 103.
const MAX_PAYLOAD = 3_900;
const SEND_TIMEOUT_MS = 10_000;
const DAY = 24 * 3600;

/** One topic per step: an approval decided on one device replaces its request still queued for another. */
const topicOf = (event: LoggedEvent) =>
  event.notice.type === 'task' && event.notice.stepId
    ? createHash('sha256').update(`${event.notice.taskId}/${event.notice.stepId}`).digest('base64url').slice(0, 32)
    : undefined;

/**
 * Web Push (RFC 8030) with VAPID (RFC 8292) and payloads encrypted to each subscription
 * (RFC 8291, aes128gcm). The payload is the log entry's seq, type and ids and the part the
 * client sealed: the push service learns only that something is for this subscription.
 */
export class PushChannel implements NotificationChannel {
  readonly name = 'push' as const;

  constructor(
    private readonly pool: pg.Pool,
    private readonly vapid: VapidKeys & { subject: string },
    private readonly log: FastifyBaseLogger,
  ) {}

  wants(event: LoggedEvent): boolean {
    return INTERRUPTING.has(event.type);
  }

  async send(userId: string, event: LoggedEvent): Promise<void> {
    const subscriptions = await activeSubscriptions(this.pool, userId);
    await Promise.all(subscriptions.map((s) => this.#sendOne(userId, s, event)));
  }

  async #sendOne(userId: string, s: PushSubscriptionRow, event: LoggedEvent): Promise<void> {
    const full: PushPayload = { seq: event.seq, type: event.type, notice: event.notice };
    if (event.sealed) full.sealed = event.sealed;
    // Too big for a push message: the device reads the sealed part from the log instead.
    let payload = JSON.stringify(full);
    if (payload.length > MAX_PAYLOAD) payload = JSON.stringify({ ...full, sealed: undefined });
    const approval = event.type === 'task.approval_requested';
    const topic = topicOf(event);
    const details = webpush.generateRequestDetails(
      { endpoint: s.endpoint, keys: { p256dh: s.p256dh, auth: s.auth } },
      payload,
      {
        vapidDetails: this.vapid,
        contentEncoding: 'aes128gcm',
        TTL: approval ? DAY : 4 * 3600,
        urgency: approval ? 'high' : 'normal',
        ...(topic ? { topic } : {}),
      },
    );
    const headers: Record<string, string> = {};
    for (const [name, value] of Object.entries(details.headers))
      if (name.toLowerCase() !== 'content-length') headers[name] = String(value);
    const outcome = await fetch(details.endpoint, {
      method: details.method,
      headers,
      body: new Uint8Array(details.body),
      signal: AbortSignal.timeout(SEND_TIMEOUT_MS),
    }).then(
      async (res) => {
        await res.body?.cancel();
        return res.status;
      },
      (error: unknown) => error as Error,
    );
    const base = { eventId: event.id, userId, channel: 'push' as const, deviceId: s.device_id };
    if (typeof outcome === 'number' && outcome >= 200 && outcome < 300) {
      await markSent(this.pool, s.device_id);
      await recordDelivery(this.pool, { ...base, outcome: 'sent' });
    } else if (outcome === 404 || outcome === 410) {
      // RFC 8030 §7.3: the subscription is gone for good; the device subscribes again if it wants.
      await expireSubscription(this.pool, s.device_id, s.endpoint);
      await recordDelivery(this.pool, { ...base, outcome: 'expired', detail: `push service answered ${outcome}` });
    } else {
      const detail = typeof outcome === 'number' ? `push service answered ${outcome}` : outcome.message;
      this.log.warn({ deviceId: s.device_id, detail }, 'a push message was not accepted');
      await recordDelivery(this.pool, { ...base, outcome: 'failed', detail });
    }
  }
}

/** A browser's PushSubscription as stored. */
export const subscriptionRow = (s: PushSubscriptionIn) => ({ endpoint: s.endpoint, ...s.keys });
