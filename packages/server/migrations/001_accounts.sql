-- Accounts, devices, sessions. Nothing here opens user data: the verifier, the wrapped
-- account key and the public keys are all the server ever holds.
CREATE TABLE users (
  id                   uuid PRIMARY KEY,
  email                text NOT NULL UNIQUE,
  kdf_seed             bytea NOT NULL,
  kdf_params           jsonb NOT NULL,
  srp_verifier         bytea NOT NULL,
  wrapped_account_key  bytea NOT NULL,
  account_key_id       bytea NOT NULL,
  created_at           timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE devices (
  id                  uuid PRIMARY KEY,
  user_id             uuid NOT NULL REFERENCES users(id) ON DELETE CASCADE,
  name                text,
  sealing_public_key  bytea NOT NULL,
  signing_public_key  bytea NOT NULL,
  created_at          timestamptz NOT NULL DEFAULT now(),
  revoked_at          timestamptz
);
CREATE INDEX devices_user ON devices (user_id);

CREATE TABLE sessions (
  id              uuid PRIMARY KEY,
  user_id         uuid NOT NULL REFERENCES users(id) ON DELETE CASCADE,
  device_id       uuid REFERENCES devices(id) ON DELETE SET NULL,
  created_at      timestamptz NOT NULL DEFAULT now(),
  session_proof   text NOT NULL,
  expires_at      timestamptz NOT NULL,
  revoked_at      timestamptz,
  revoked_reason  text
);
CREATE INDEX sessions_user ON sessions (user_id);

-- Refresh tokens are stored as SHA-256 hashes; a used one stays, marked, to detect reuse.
CREATE TABLE refresh_tokens (
  token_hash  bytea PRIMARY KEY,
  session_id  uuid NOT NULL REFERENCES sessions(id) ON DELETE CASCADE,
  created_at  timestamptz NOT NULL DEFAULT now(),
  expires_at  timestamptz NOT NULL,
  used_at     timestamptz
);
CREATE INDEX refresh_tokens_session ON refresh_tokens (session_id);

-- One-use SRP login challenges (b is the server's ephemeral secret, short-lived).
CREATE TABLE srp_challenges (
  id          uuid PRIMARY KEY,
  user_id     uuid REFERENCES users(id) ON DELETE CASCADE,
  identity    text NOT NULL,
  b           bytea NOT NULL,
  big_b       bytea NOT NULL,
  expires_at  timestamptz NOT NULL
);

-- The server's own keys: the JWT signing key and the secret behind fake login salts.
CREATE TABLE server_keys (
  name        text PRIMARY KEY,
  value       jsonb NOT NULL,
  created_at  timestamptz NOT NULL DEFAULT now()
);
