import { AuraError } from '@aura/errors';
import { DeliveryList, EmailNotices, OkResponse, PushSubscriptionIn, SealedSettings, VapidKey } from '@aura/protocol';
import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { fromBase64, toBase64 } from '../base64.ts';
import { authOf } from '../modules/auth/authenticate.ts';
import { subscriptionRow } from './push.ts';
import { deletePushSubscription, savePushSubscription } from './push-repository.ts';

const tags = ['notifications'];

/** Where a user's notices go: this device's push subscription, email on or off, sealed preferences. */
export async function notificationSettingsRoutes(fastify: FastifyInstance) {
  const app = fastify.withTypeProvider<ZodTypeProvider>();
  const deviceOf = (request: Parameters<typeof authOf>[0]) => {
    const { userId, deviceId } = authOf(request);
    if (!deviceId)
      throw new AuraError('AURA_DEVICE_REQUIRED', 'push is per device: log in from an enrolled device to subscribe it');
    return { userId, deviceId };
  };

  app.get(
    '/api/v1/push/key',
    {
      schema: {
        tags,
        summary: "Get the server's Web Push key",
        description:
          "The server's VAPID public key, which a browser passes as `applicationServerKey` when it subscribes to Web Push. It is public and needs no token.",
        response: { 200: VapidKey },
      },
    },
    async () => ({
      publicKey: app.vapidKeys.publicKey,
    }),
  );

  app.put(
    '/api/v1/push/subscription',
    {
      preValidation: app.requireAuth,
      schema: {
        tags,
        summary: "Save this device's Web Push subscription",
        description:
          "Stores the browser's PushSubscription for the device of this session, replacing the one it had; a session without a device gets AURA_DEVICE_REQUIRED. Push messages are encrypted to the subscription's keys and carry only a log entry's seq, type and ids and its sealed part, so the push service learns nothing more.",
        body: PushSubscriptionIn,
        response: { 200: OkResponse },
      },
    },
    async (request) => {
      await savePushSubscription(app.pool, { ...deviceOf(request), ...subscriptionRow(request.body) });
      return { ok: true as const };
    },
  );

  app.delete(
    '/api/v1/push/subscription',
    {
      preValidation: app.requireAuth,
      schema: {
        tags,
        summary: "Remove this device's Web Push subscription",
        description:
          'Stops Web Push to the device of this session. AURA_NOT_FOUND when it has no subscription, AURA_DEVICE_REQUIRED from a session without a device.',
        response: { 200: OkResponse },
      },
    },
    async (request) => {
      const { userId, deviceId } = deviceOf(request);
      if (!(await deletePushSubscription(app.pool, userId, deviceId)))
        throw new AuraError('AURA_NOT_FOUND', 'this device has no push subscription');
      return { ok: true as const };
    },
  );

  app.put(
    '/api/v1/notifications/email',
    {
      preValidation: app.requireAuth,
      schema: {
        tags,
        summary: 'Turn email notices on or off',
        description:
          "Sets whether the account's email address gets notices; they are off until turned on. An email notice holds a link and no content: what waits is read in Aura, on a device that has the keys. The answer repeats the setting.",
        body: EmailNotices,
        response: { 200: EmailNotices },
      },
    },
    async (request) => {
      await app.pool.query('UPDATE users SET email_notices = $2 WHERE id = $1', [
        authOf(request).userId,
        request.body.enabled,
      ]);
      return { enabled: request.body.enabled };
    },
  );

  app.get(
    '/api/v1/notifications/settings',
    {
      preValidation: app.requireAuth,
      schema: {
        tags,
        summary: 'Get the sealed notification preferences',
        description:
          "The user's notification preferences (what to show, quiet hours) as the ciphertext a device sealed under the account's key; the server keeps it for the user's devices and cannot read it. AURA_NOT_FOUND until a device saved some: the defaults apply then.",
        response: { 200: SealedSettings },
      },
    },
    async (request) => {
      const { rows } = await app.pool.query<{ ciphertext: Buffer }>(
        'SELECT ciphertext FROM notification_settings WHERE user_id = $1',
        [authOf(request).userId],
      );
      if (!rows[0]) throw new AuraError('AURA_NOT_FOUND', 'no notification settings saved yet; the defaults apply');
      return { ciphertext: toBase64(rows[0].ciphertext) };
    },
  );

  app.put(
    '/api/v1/notifications/settings',
    {
      preValidation: app.requireAuth,
      schema: {
        tags,
        summary: 'Save the sealed notification preferences',
        description:
          "Stores the user's notification preferences, sealed by the client under the account's key, replacing what was saved (the last write wins). The server cannot read them; each device applies them to what it shows.",
        body: SealedSettings,
        response: { 200: OkResponse },
      },
    },
    async (request) => {
      await app.pool.query(
        `INSERT INTO notification_settings (user_id, ciphertext) VALUES ($1, $2)
         ON CONFLICT (user_id) DO UPDATE SET ciphertext = $2, updated_at = now()`,
        [authOf(request).userId, fromBase64(request.body.ciphertext)],
      );
      return { ok: true as const };
    },
  );

  app.get(
    '/api/v1/notifications/deliveries',
    {
      preValidation: app.requireAuth,
      schema: {
        tags,
        summary: 'List recent push and email deliveries',
        description:
          "The account's 200 latest delivery attempts, newest first: which logged event, by push (to which device) or email, and whether it was sent, failed or found expired. For a user who wonders why a notice did not arrive; no content of the notice is kept.",
        response: { 200: DeliveryList },
      },
    },
    async (request) => {
      const { rows } = await app.pool.query<{
        event_id: string;
        channel: 'push' | 'email';
        device_id: string | null;
        outcome: 'sent' | 'failed' | 'expired';
        detail: string | null;
        at: Date;
      }>(
        `SELECT event_id, channel, device_id, outcome, detail, at FROM notification_deliveries
          WHERE user_id = $1 ORDER BY at DESC LIMIT 200`,
        [authOf(request).userId],
      );
      return {
        deliveries: rows.map((r) => ({
          eventId: r.event_id,
          channel: r.channel,
          deviceId: r.device_id,
          outcome: r.outcome,
          detail: r.detail,
          at: r.at.toISOString(),
        })),
      };
    },
  );
}
