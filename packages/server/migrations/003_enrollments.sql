-- Adding a device the password-manager way: the new device asks, an enrolled device of the
-- same account approves by sealing the account key to it. The server relays sealed bytes.
CREATE TABLE device_enrollments (
  id                   uuid PRIMARY KEY,
  email                text NOT NULL,
  name                 text,
  sealing_public_key   bytea NOT NULL,
  signing_public_key   bytea NOT NULL,
  claim_secret_hash    bytea NOT NULL,
  created_at           timestamptz NOT NULL DEFAULT now(),
  expires_at           timestamptz NOT NULL,
  approved_by_device   uuid REFERENCES devices(id) ON DELETE CASCADE,
  approval_signature   bytea,
  sealed_account_key   bytea,
  device_id            uuid REFERENCES devices(id) ON DELETE CASCADE,
  claimed_at           timestamptz
);
CREATE INDEX device_enrollments_email ON device_enrollments (email);
