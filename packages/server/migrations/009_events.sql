-- The event log: what happened to whom, by type and id (the spec's "Database Optimization").
-- It is the notification log a device reads back when it reconnects, in `seq` order. `data` is
-- the notice, metadata the server has anyway; `sealed` is what a device needs to show it (a
-- step's ciphertext, under the account's task key), copied as it is: the server cannot open it.
CREATE SEQUENCE events_seq;

CREATE TABLE events (
  id          uuid NOT NULL,
  seq         bigint NOT NULL DEFAULT nextval('events_seq'),
  user_id     uuid NOT NULL REFERENCES users(id) ON DELETE CASCADE,
  event_type  text NOT NULL,
  data        jsonb NOT NULL,
  sealed      bytea,
  created_at  timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (id, created_at)
) PARTITION BY RANGE (created_at);
ALTER SEQUENCE events_seq OWNED BY events.seq;
CREATE INDEX events_user_time ON events (user_id, created_at DESC);
CREATE INDEX events_user_seq ON events (user_id, seq);

-- This month's and next month's partitions; the server creates the ones after as time goes on
-- (packages/server/src/events/partitions.ts), and detaches those past the retention setting.
DO $$
DECLARE
  month date := date_trunc('month', now() AT TIME ZONE 'UTC')::date;
BEGIN
  FOR i IN 0..1 LOOP
    EXECUTE format(
      'CREATE TABLE IF NOT EXISTS %I PARTITION OF events FOR VALUES FROM (%L) TO (%L)',
      'events_' || to_char(month + make_interval(months => i), 'YYYY_MM'),
      (month + make_interval(months => i))::timestamp AT TIME ZONE 'UTC',
      (month + make_interval(months => i + 1))::timestamp AT TIME ZONE 'UTC');
  END LOOP;
END $$;

-- Counts by event type per user per day over the last 30 days; refreshed on a schedule.
CREATE MATERIALIZED VIEW user_activity_summary AS
SELECT
  user_id,
  (created_at AT TIME ZONE 'UTC')::date AS activity_date,
  count(*) AS total_events,
  count(DISTINCT event_type) AS unique_event_types,
  jsonb_agg(DISTINCT event_type) AS event_types
FROM events
WHERE created_at > now() - interval '30 days'
GROUP BY user_id, (created_at AT TIME ZONE 'UTC')::date;
-- Unique, so that a refresh can run CONCURRENTLY (readers are never blocked by it).
CREATE UNIQUE INDEX idx_activity_summary_user_date ON user_activity_summary (user_id, activity_date DESC);

-- Web Push: one subscription per device (the browser's PushSubscription). The push service sees
-- only encrypted payloads (RFC 8291) and learns "something for this subscription".
CREATE TABLE push_subscriptions (
  device_id        uuid PRIMARY KEY REFERENCES devices(id) ON DELETE CASCADE,
  user_id          uuid NOT NULL REFERENCES users(id) ON DELETE CASCADE,
  endpoint         text NOT NULL,
  p256dh           text NOT NULL,
  auth             text NOT NULL,
  created_at       timestamptz NOT NULL DEFAULT now(),
  last_sent_at     timestamptz
);
CREATE INDEX push_subscriptions_user ON push_subscriptions (user_id);

-- What each channel did with each event: the spec's notification log, beside the event log.
CREATE TABLE notification_deliveries (
  event_id    uuid NOT NULL,
  user_id     uuid NOT NULL REFERENCES users(id) ON DELETE CASCADE,
  channel     text NOT NULL CHECK (channel IN ('push', 'email')),
  device_id   uuid,
  outcome     text NOT NULL CHECK (outcome IN ('sent', 'failed', 'expired')),
  detail      text,
  at          timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX notification_deliveries_user ON notification_deliveries (user_id, at DESC);

-- Email notices are opt-in per account: the server must read this switch to act on it, and it
-- says nothing about the user's data. Every other preference is sealed (notification_settings).
ALTER TABLE users ADD COLUMN email_notices boolean NOT NULL DEFAULT false;
CREATE TABLE notification_settings (
  user_id     uuid PRIMARY KEY REFERENCES users(id) ON DELETE CASCADE,
  ciphertext  bytea NOT NULL,
  updated_at  timestamptz NOT NULL DEFAULT now()
);
