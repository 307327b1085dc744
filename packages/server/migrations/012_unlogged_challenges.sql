-- SRP challenges live two minutes and are used once: kept out of the write-ahead log, a login's
-- first step and the delete in its second commit without waiting for a disk flush. A crash or a
-- failover loses the challenges in flight; those logins start again (AURA_AUTH_CHALLENGE_INVALID).
ALTER TABLE srp_challenges SET UNLOGGED;
