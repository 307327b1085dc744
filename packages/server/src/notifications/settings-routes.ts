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

  app.get('/api/v1/push/key', { schema: { tags, response: { 200: VapidKey } } }, async () => ({
    publicKey: app.vapidKeys.publicKey,
  }));

  app.put(
    '/api/v1/push/subscription',
    { preValidation: app.requireAuth, schema: { tags, body: PushSubscriptionIn, response: { 200: OkResponse } } },
    async (request) => {
      await savePushSubscription(app.pool, { ...deviceOf(request), ...subscriptionRow(request.body) });
      return { ok: true as const };
    },
  );

  app.delete(
    '/api/v1/push/subscription',
    { preValidation: app.requireAuth, schema: { tags, response: { 200: OkResponse } } },
    async (request) => {
      const { userId, deviceId } = deviceOf(request);
      if (!(await deletePushSubscription(app.pool, userId, deviceId)))
        throw new AuraError('AURA_NOT_FOUND', 'this device has no push subscription');
      return { ok: true as const };
    },
  );

  app.put(
    '/api/v1/notifications/email',
    { preValidation: app.requireAuth, schema: { tags, body: EmailNotices, response: { 200: EmailNotices } } },
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
    { preValidation: app.requireAuth, schema: { tags, response: { 200: SealedSettings } } },
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
    { preValidation: app.requireAuth, schema: { tags, body: SealedSettings, response: { 200: OkResponse } } },
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
    { preValidation: app.requireAuth, schema: { tags, response: { 200: DeliveryList } } },
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
