-- Each log's right edge (the roots of its perfect subtrees, largest first, 32 bytes each, one after
-- the other) kept with its head: an append needs exactly these nodes it does not make itself, and
-- reads them with the lock on the head instead of in a query of its own. audit_nodes keeps every
-- node, for proofs.
ALTER TABLE audit_logs ADD COLUMN frontier bytea NOT NULL DEFAULT '\x';

-- The node at level l of a tree of `size` leaves' edge, when bit l of size is set, is number
-- (size >> l) - 1 of that level.
UPDATE audit_logs a SET frontier = COALESCE((
  SELECT string_agg(n.hash, '\x'::bytea ORDER BY b.level DESC)
    FROM generate_series(0, 62) AS b(level)
    JOIN audit_nodes n ON n.user_id = a.user_id AND n.level = b.level AND n.idx = (a.size >> b.level) - 1
   WHERE (a.size >> b.level) & 1 = 1), '\x')
 WHERE a.size > 0;
