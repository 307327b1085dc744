import type pg from 'pg';

type Db = pg.Pool | pg.PoolClient;

export interface PushSubscriptionRow {
  device_id: string;
  endpoint: string;
  p256dh: string;
  auth: string;
}

/** Sets the device's subscription (a browser that subscribes again replaces it). */
export async function savePushSubscription(
  db: Db,
  s: { userId: string; deviceId: string; endpoint: string; p256dh: string; auth: string },
): Promise<void> {
  await db.query(
    `INSERT INTO push_subscriptions (device_id, user_id, endpoint, p256dh, auth) VALUES ($1, $2, $3, $4, $5)
     ON CONFLICT (device_id) DO UPDATE SET endpoint = $3, p256dh = $4, auth = $5, created_at = now(), last_sent_at = NULL`,
    [s.deviceId, s.userId, s.endpoint, s.p256dh, s.auth],
  );
}

export async function deletePushSubscription(db: Db, userId: string, deviceId: string): Promise<boolean> {
  const { rowCount } = await db.query('DELETE FROM push_subscriptions WHERE user_id = $1 AND device_id = $2', [
    userId,
    deviceId,
  ]);
  return Boolean(rowCount);
}

/** The subscriptions of the user's devices that are not revoked. */
export async function activeSubscriptions(db: Db, userId: string): Promise<PushSubscriptionRow[]> {
  const { rows } = await db.query<PushSubscriptionRow>(
    `SELECT s.device_id, s.endpoint, s.p256dh, s.auth FROM push_subscriptions s
       JOIN devices d ON d.id = s.device_id
      WHERE s.user_id = $1 AND d.revoked_at IS NULL`,
    [userId],
  );
  return rows;
}

/** Removes a subscription the push service said is gone, unless the device has replaced it since. */
export async function expireSubscription(db: Db, deviceId: string, endpoint: string): Promise<void> {
  await db.query('DELETE FROM push_subscriptions WHERE device_id = $1 AND endpoint = $2', [deviceId, endpoint]);
}

export async function markSent(db: Db, deviceId: string): Promise<void> {
  await db.query('UPDATE push_subscriptions SET last_sent_at = now() WHERE device_id = $1', [deviceId]);
}

export async function recordDelivery(
  db: Db,
  d: {
    eventId: string;
    userId: string;
    channel: 'push' | 'email';
    deviceId?: string | null;
    outcome: 'sent' | 'failed' | 'expired';
    detail?: string;
  },
): Promise<void> {
  await db.query(
    `INSERT INTO notification_deliveries (event_id, user_id, channel, device_id, outcome, detail)
     VALUES ($1, $2, $3, $4, $5, $6)`,
    [d.eventId, d.userId, d.channel, d.deviceId ?? null, d.outcome, d.detail ?? null],
  );
}
