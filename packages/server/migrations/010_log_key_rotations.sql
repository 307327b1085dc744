-- Rotations of the audit log's signing key (`aura server-key rotate log`): each a signed note by
-- the key it retires, naming its successor. Served with the log key, so a device that pinned an
-- older key follows the chain to the current one instead of refusing it; nothing here is secret.
CREATE TABLE log_key_rotations (
  seq         integer PRIMARY KEY,
  note        text NOT NULL,
  created_at  timestamptz NOT NULL DEFAULT now()
);
