-- The encrypted vault. Every column the spec had in plaintext (context type, relationship
-- type, person name, learning input/output) is ciphertext here; the server keeps only ids,
-- timestamps, sizes, search tokens and a row version.
CREATE TABLE encrypted_user_contexts (
  id                      uuid PRIMARY KEY,
  user_id                 uuid NOT NULL REFERENCES users(id) ON DELETE CASCADE,
  context_type_encrypted  bytea,
  encrypted_data          bytea NOT NULL,
  encrypted_embedding     bytea,
  search_tokens           bytea[] NOT NULL DEFAULT '{}',
  data_checksum           bytea NOT NULL,
  nonce                   bytea NOT NULL,
  version                 integer NOT NULL DEFAULT 1,
  created_at              timestamptz NOT NULL DEFAULT now(),
  updated_at              timestamptz NOT NULL DEFAULT now(),
  expires_at              timestamptz
);
CREATE INDEX encrypted_user_contexts_user ON encrypted_user_contexts (user_id, created_at, id);
CREATE INDEX encrypted_user_contexts_tokens ON encrypted_user_contexts USING gin (search_tokens);
CREATE INDEX encrypted_user_contexts_expiry ON encrypted_user_contexts (expires_at) WHERE expires_at IS NOT NULL;

CREATE TABLE user_relationships (LIKE encrypted_user_contexts INCLUDING DEFAULTS INCLUDING CONSTRAINTS);
ALTER TABLE user_relationships ADD PRIMARY KEY (id);
ALTER TABLE user_relationships ADD FOREIGN KEY (user_id) REFERENCES users(id) ON DELETE CASCADE;
CREATE INDEX user_relationships_user ON user_relationships (user_id, created_at, id);
CREATE INDEX user_relationships_tokens ON user_relationships USING gin (search_tokens);

CREATE TABLE learning_events (LIKE encrypted_user_contexts INCLUDING DEFAULTS INCLUDING CONSTRAINTS);
ALTER TABLE learning_events ADD PRIMARY KEY (id);
ALTER TABLE learning_events ADD FOREIGN KEY (user_id) REFERENCES users(id) ON DELETE CASCADE;
CREATE INDEX learning_events_user ON learning_events (user_id, created_at, id);
CREATE INDEX learning_events_tokens ON learning_events USING gin (search_tokens);
