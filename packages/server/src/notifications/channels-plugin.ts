import { randomUUID } from 'node:crypto';
import type { FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';
import { keepFirstServerKey } from '../db/server-keys.ts';
import { loggedEvent } from '../events/log.ts';
import type { NotificationChannel } from './channel.ts';
import { loadVapidKeys, PushChannel, type VapidKeys } from './push.ts';

declare module 'fastify' {
  interface FastifyInstance {
    vapidKeys: VapidKeys;
  }
}

/**
 * Push and email: every event worth interrupting someone for, handled once across all server
 * processes of this deployment (one shared queue, named for the deployment's database, so two
 * deployments on one broker never take each other's events).
 */
export const channelsPlugin = fp(
  async (app: FastifyInstance) => {
    const vapid = await loadVapidKeys(app.pool);
    app.decorate('vapidKeys', vapid);
    const channels: NotificationChannel[] = [
      new PushChannel(app.pool, { ...vapid, subject: app.config.vapidSubject }, app.log),
    ];
    const { smtpUrl } = app.config;
    // nodemailer is loaded only with a relay to send through.
    const email = smtpUrl
      ? new (await import('./email.ts')).EmailChannel(
          app.pool,
          { smtpUrl, caFile: app.config.smtpCaFile, from: app.config.mailFrom, publicUrl: app.config.publicUrl },
          app.log,
        )
      : undefined;
    if (email) channels.push(email);
    const deployment = await keepFirstServerKey(app.pool, 'deployment', randomUUID());
    const subscription = await app.notifier.bus.subscribe(
      'user.#',
      async (event) => {
        const entry = loggedEvent(event);
        await Promise.all(channels.filter((c) => c.wants(entry)).map((c) => c.send(event.userId, entry)));
      },
      { queue: `aura.notify.${deployment}` },
    );
    app.addHook('onClose', async () => {
      await subscription.close();
      email?.close();
    });
  },
  {
    name: 'aura-notification-channels',
    fastify: '5.x',
    dependencies: ['aura-config', 'aura-database', 'aura-notifications'],
  },
);
