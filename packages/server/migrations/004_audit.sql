-- A per-user append-only Merkle log (RFC 9162). Entries keep the metadata the server needs in
-- plaintext (event, actor, result, time); anything sensitive is sealed to the user's audit key.
ALTER TABLE users ADD COLUMN audit_public_key bytea;

CREATE TABLE audit_logs (
  user_id          uuid PRIMARY KEY REFERENCES users(id) ON DELETE CASCADE,
  size             bigint NOT NULL DEFAULT 0,
  last_entry_hash  bytea,
  last_root        bytea
);

CREATE TABLE audit_entries (
  user_id      uuid NOT NULL REFERENCES users(id) ON DELETE CASCADE,
  idx          bigint NOT NULL,
  entry_id     uuid NOT NULL,
  leaf_input   bytea NOT NULL,
  event_type   text NOT NULL,
  created_at   timestamptz NOT NULL,
  PRIMARY KEY (user_id, idx)
);

-- Hashes of perfect subtrees: level 0 are leaf hashes; node (l, i) covers leaves
-- [i * 2^l, (i + 1) * 2^l). Any root or proof is O(log n) of these.
CREATE TABLE audit_nodes (
  user_id  uuid NOT NULL REFERENCES users(id) ON DELETE CASCADE,
  level    smallint NOT NULL,
  idx      bigint NOT NULL,
  hash     bytea NOT NULL,
  PRIMARY KEY (user_id, level, idx)
);

CREATE TABLE audit_checkpoints (
  user_id     uuid NOT NULL REFERENCES users(id) ON DELETE CASCADE,
  size        bigint NOT NULL,
  root        bytea NOT NULL,
  note        text NOT NULL,
  created_at  timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (user_id, size)
);
