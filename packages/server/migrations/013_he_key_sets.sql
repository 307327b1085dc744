-- Homomorphic intent analysis (decision 0021): each device's public CKKS Galois keys, uploaded
-- once. They let the server rotate that device's ciphertexts and nothing else: they cannot
-- decrypt. key_set_id is SHA-256 of galois_keys, hex; a query names it.
CREATE TABLE he_key_sets (
  device_id   uuid PRIMARY KEY REFERENCES devices(id) ON DELETE CASCADE,
  user_id     uuid NOT NULL REFERENCES users(id) ON DELETE CASCADE,
  key_set_id  text NOT NULL,
  galois_keys bytea NOT NULL,
  uploaded_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX he_key_sets_user ON he_key_sets (user_id);
