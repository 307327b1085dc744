-- Ids of records that were deleted or purged, per user and collection. A record id is never used
-- again: the signed history (docs/decisions/0008) treats "write version 1" of an id it has seen as a
-- replay, so the server refuses it here rather than log what every client would reject.
CREATE TABLE vault_tombstones (
  user_id     uuid NOT NULL REFERENCES users(id) ON DELETE CASCADE,
  collection  text NOT NULL,
  id          uuid NOT NULL,
  PRIMARY KEY (user_id, collection, id)
);
