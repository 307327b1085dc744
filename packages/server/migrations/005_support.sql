-- Support access: agents are accounts with operator-signed keys; a user grants an agent a
-- window onto chosen categories by re-encrypting them under a fresh key sealed to the agent.
CREATE TABLE support_agents (
  user_id             uuid PRIMARY KEY REFERENCES users(id) ON DELETE CASCADE,
  name                text NOT NULL,
  sealing_public_key  bytea NOT NULL,
  signing_public_key  bytea NOT NULL,
  operator_signature  bytea NOT NULL,
  created_at          timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE support_requests (
  id          uuid PRIMARY KEY,
  agent_id    uuid NOT NULL REFERENCES support_agents(user_id) ON DELETE CASCADE,
  user_id     uuid NOT NULL REFERENCES users(id) ON DELETE CASCADE,
  ticket      text NOT NULL,
  created_at  timestamptz NOT NULL DEFAULT now(),
  status      text NOT NULL DEFAULT 'pending'
);
CREATE INDEX support_requests_user ON support_requests (user_id);

CREATE TABLE support_grants (
  id                 uuid PRIMARY KEY,
  user_id            uuid NOT NULL REFERENCES users(id) ON DELETE CASCADE,
  agent_id           uuid NOT NULL REFERENCES support_agents(user_id) ON DELETE CASCADE,
  request_id         uuid REFERENCES support_requests(id) ON DELETE SET NULL,
  device_id          uuid NOT NULL REFERENCES devices(id),
  categories         text[] NOT NULL,
  permissions        text[] NOT NULL,
  valid_from         timestamptz NOT NULL,
  valid_until        timestamptz NOT NULL,
  grant_object       text NOT NULL,
  signature          bytea NOT NULL,
  sealed_key         bytea NOT NULL,
  created_at         timestamptz NOT NULL DEFAULT now(),
  revoked_at         timestamptz
);
CREATE INDEX support_grants_user ON support_grants (user_id);
CREATE INDEX support_grants_agent ON support_grants (agent_id);

-- The re-encrypted copies; deleted the moment the grant is revoked.
CREATE TABLE support_grant_records (
  grant_id        uuid NOT NULL REFERENCES support_grants(id) ON DELETE CASCADE,
  category        text NOT NULL,
  record_id       uuid NOT NULL,
  encrypted_data  bytea NOT NULL,
  PRIMARY KEY (grant_id, category, record_id)
);
