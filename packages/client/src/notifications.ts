import { deriveCollectionKey, openEnvelope, type SymmetricKey, sealEnvelope } from '@aura/crypto';
import { AuraError } from '@aura/errors';
import {
  DeliveryList,
  EmailNotices,
  fromBase64,
  type LoggedEvent,
  NotificationFrame,
  NotificationLog,
  OkResponse,
  type PushSubscriptionIn,
  SealedSettings,
  toBase64,
  VapidKey,
} from '@aura/protocol';
import { fromUtf8, utf8 } from './encoding.ts';
import { readFrame } from './frames.ts';
import type { Api } from './http.ts';

/** What the SDK needs of a WebSocket: the browser's and the `ws` package's both have it. */
export interface SocketLike {
  onopen: ((event: unknown) => void) | null;
  onmessage: ((event: { data: unknown }) => void) | null;
  onclose: ((event: { code: number; reason: string }) => void) | null;
  onerror: ((event: unknown) => void) | null;
  close(code?: number, reason?: string): void;
}

/** Opens a WebSocket to `url` with the session's bearer token (Node: `ws`; see @aura/client/node). */
export type OpenSocket = (url: string, token: string) => SocketLike;

/** The user's preferences, sealed under the account's key: the server cannot read them. */
export interface NotificationSettings {
  /** Per event type prefix ("task", "device", "support", "audit"): shown or not. */
  show: Record<string, boolean>;
  /** Local times ("22:00" to "07:00"): notices then are kept quiet on this device. */
  quietHours: { from: string; to: string } | null;
}

export const DEFAULT_SETTINGS: NotificationSettings = {
  show: { task: true, device: true, support: true, audit: false },
  quietHours: null,
};

const SETTINGS = 'notification-settings';

/** One frame of GET /api/v1/notifications/connect; a bad one is AURA_SERVER_MISBEHAVED. */
export function readNotificationFrame(data: string): NotificationFrame {
  return readFrame(NotificationFrame, data, 'the notification stream');
}

/** Whether `at` (a Date) falls in quiet hours, local time; a span may cross midnight. */
export function inQuietHours(settings: NotificationSettings, at = new Date()): boolean {
  if (!settings.quietHours) return false;
  const minutes = (hhmm: string) => {
    const [h, m] = hhmm.split(':').map(Number);
    return (h ?? 0) * 60 + (m ?? 0);
  };
  const now = at.getHours() * 60 + at.getMinutes();
  const from = minutes(settings.quietHours.from);
  const to = minutes(settings.quietHours.to);
  return from <= to ? now >= from && now < to : now >= from || now < to;
}

export interface FollowOptions {
  /** Resume after this seq (what the caller last saw); without it, from now. */
  after?: number;
  /** Ends the stream; follow() then resolves. */
  signal?: AbortSignal;
  /** Told each time the stream is (re)connected, with the newest seq the server has. */
  onConnected?: (latest: number) => void;
  /** Told when the connection drops and the SDK reconnects. */
  onReconnecting?: (why: string, delayMs: number) => void;
}

/**
 * The user's notices: the log, a live stream that reconnects and resumes from the last seq it
 * saw (nothing missed, nothing twice), this device's Web Push subscription, the email switch,
 * and the sealed preferences.
 */
export class Notifications {
  readonly #settingsKey: SymmetricKey;

  constructor(
    private readonly api: Api,
    private readonly userId: string,
    accountKey: SymmetricKey,
    private readonly openSocket: OpenSocket | undefined,
  ) {
    this.#settingsKey = deriveCollectionKey(accountKey, SETTINGS, 1);
  }

  log(options: { after?: number; limit?: number } = {}): Promise<NotificationLog> {
    const query = new URLSearchParams({ after: String(options.after ?? 0), limit: String(options.limit ?? 100) });
    return this.api.get(`/api/v1/notifications/log?${query}`, NotificationLog);
  }

  /** Calls `onEvent` with each of the user's events, in order, until `signal` aborts. */
  async follow(onEvent: (event: LoggedEvent) => void, options: FollowOptions = {}): Promise<void> {
    const open = this.openSocket;
    if (!open) throw new AuraError('AURA_INVALID_INPUT', 'this client was made without a WebSocket to follow with');
    let cursor = options.after;
    let delay = 250;
    const seen = new Set<string>();
    while (!options.signal?.aborted) {
      // Any authenticated call first: it refreshes an expired access token.
      const { latest } = await this.log({ after: Number.MAX_SAFE_INTEGER, limit: 1 });
      cursor ??= latest;
      const token = this.api.tokens?.accessToken;
      if (!token) throw new AuraError('AURA_NOT_LOGGED_IN', 'this device is not logged in; run "aura login" first');
      const url = `${this.api.baseUrl.replace(/^http/, 'ws')}/api/v1/notifications/connect?after=${cursor}`;
      const why = await new Promise<string | null>((resolve) => {
        const socket = open(url, token);
        const abort = () => socket.close(1000, 'done');
        options.signal?.addEventListener('abort', abort, { once: true });
        socket.onmessage = (message) => {
          let frame: NotificationFrame;
          try {
            frame = readNotificationFrame(String(message.data));
          } catch (error) {
            socket.close(1002, 'bad frame');
            return resolve((error as Error).message);
          }
          if (frame.type === 'hello') {
            delay = 250;
            options.onConnected?.(frame.latest);
            return;
          }
          // Across a reconnect the server replays from the cursor; an event seen before is not repeated.
          if (seen.has(frame.event.id)) return;
          seen.add(frame.event.id);
          if (seen.size > 1000) seen.delete(seen.values().next().value as string);
          cursor = Math.max(cursor ?? 0, frame.event.seq);
          onEvent(frame.event);
        };
        socket.onerror = () => {};
        socket.onclose = (event) => {
          options.signal?.removeEventListener('abort', abort);
          if (options.signal?.aborted) return resolve(null);
          if (event.code === 4001) return resolve('revoked');
          resolve(`closed (${event.code}${event.reason ? `: ${event.reason}` : ''})`);
        };
      });
      if (why === null) return;
      if (why === 'revoked') throw new AuraError('AURA_SESSION_REVOKED', 'this device was revoked');
      options.onReconnecting?.(why, delay);
      await new Promise((resolve) => setTimeout(resolve, delay));
      delay = Math.min(delay * 2, 10_000);
    }
  }

  vapidKey(): Promise<string> {
    return this.api.get('/api/v1/push/key', VapidKey, { auth: false }).then((k) => k.publicKey);
  }

  /** Registers this device's push subscription (a browser's PushSubscription.toJSON()). */
  async subscribePush(subscription: PushSubscriptionIn): Promise<void> {
    await this.api.put('/api/v1/push/subscription', OkResponse, subscription);
  }

  async unsubscribePush(): Promise<void> {
    await this.api.delete('/api/v1/push/subscription', OkResponse);
  }

  async setEmail(enabled: boolean): Promise<boolean> {
    return (await this.api.put('/api/v1/notifications/email', EmailNotices, { enabled })).enabled;
  }

  async deliveries(): Promise<DeliveryList['deliveries']> {
    return (await this.api.get('/api/v1/notifications/deliveries', DeliveryList)).deliveries;
  }

  async settings(): Promise<NotificationSettings> {
    const stored = await this.api.get('/api/v1/notifications/settings', SealedSettings).catch((error: unknown) => {
      if (error instanceof AuraError && error.code === 'AURA_NOT_FOUND') return undefined;
      throw error;
    });
    if (!stored) return DEFAULT_SETTINGS;
    const bytes = openEnvelope(
      this.#settingsKey,
      { userId: this.userId, collection: SETTINGS, recordId: 'settings' },
      fromBase64(stored.ciphertext),
    );
    return { ...DEFAULT_SETTINGS, ...(JSON.parse(fromUtf8(bytes)) as Partial<NotificationSettings>) };
  }

  async saveSettings(settings: NotificationSettings): Promise<void> {
    const sealed = sealEnvelope(
      this.#settingsKey,
      { userId: this.userId, collection: SETTINGS, recordId: 'settings' },
      utf8(JSON.stringify(settings)),
      { pad: true },
    );
    await this.api.put('/api/v1/notifications/settings', OkResponse, { ciphertext: toBase64(sealed) });
  }
}
