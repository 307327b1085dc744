import type pg from 'pg';

/** The SQL of accounts, sessions, refresh tokens and login challenges. */
type Db = pg.Pool | pg.PoolClient;

export interface UserRow {
  id: string;
  email: string;
  kdf_seed: Buffer;
  /** Whatever JSON the column holds: relayKdf() makes it safe to answer with. */
  kdf_params: unknown;
  srp_verifier: Buffer;
  wrapped_account_key: Buffer;
  account_key_id: Buffer;
}

export interface NewAccount {
  userId: string;
  email: string;
  kdfSeed: Buffer;
  kdfParams: unknown;
  srpVerifier: Buffer;
  wrappedAccountKey: Buffer;
  accountKeyId: Buffer;
  auditPublicKey: Buffer | null;
}

export interface FirstDevice {
  id: string;
  userId: string;
  name: string | null;
  sealingPublicKey: Buffer;
  signingPublicKey: Buffer;
  certificate: Buffer;
}

/** False when the email is taken. */
export async function insertUser(db: Db, a: NewAccount): Promise<boolean> {
  const inserted = await db.query(
    `INSERT INTO users (id, email, kdf_seed, kdf_params, srp_verifier, wrapped_account_key, account_key_id, audit_public_key)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8) ON CONFLICT DO NOTHING`,
    [
      a.userId,
      a.email,
      a.kdfSeed,
      JSON.stringify(a.kdfParams),
      a.srpVerifier,
      a.wrappedAccountKey,
      a.accountKeyId,
      a.auditPublicKey,
    ],
  );
  return inserted.rowCount !== 0;
}

/** False when the device id is taken. */
export async function insertFirstDevice(db: Db, d: FirstDevice): Promise<boolean> {
  const inserted = await db.query(
    `INSERT INTO devices (id, user_id, name, sealing_public_key, signing_public_key, certificate)
     VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (id) DO NOTHING`,
    [d.id, d.userId, d.name, d.sealingPublicKey, d.signingPublicKey, d.certificate],
  );
  return inserted.rowCount !== 0;
}

export async function userByEmail(db: Db, email: string): Promise<UserRow | undefined> {
  return (await db.query<UserRow>('SELECT * FROM users WHERE email = $1', [email])).rows[0];
}

export async function userById(db: Db, userId: string): Promise<UserRow | undefined> {
  return (await db.query<UserRow>('SELECT * FROM users WHERE id = $1', [userId])).rows[0];
}

/** False when `accountKeyId` is not the account's: a password change never swaps the account key. */
export async function replaceCredentials(
  db: Db,
  userId: string,
  c: { kdfSeed: Buffer; kdfParams: unknown; srpVerifier: Buffer; wrappedAccountKey: Buffer; accountKeyId: Buffer },
): Promise<boolean> {
  const updated = await db.query(
    `UPDATE users SET kdf_seed = $2, kdf_params = $3, srp_verifier = $4, wrapped_account_key = $5
      WHERE id = $1 AND account_key_id = $6`,
    [userId, c.kdfSeed, JSON.stringify(c.kdfParams), c.srpVerifier, c.wrappedAccountKey, c.accountKeyId],
  );
  return updated.rowCount !== 0;
}

// Login challenges

export interface ChallengeRow {
  user_id: string | null;
  identity: string;
  b: Buffer;
  big_b: Buffer;
  expires_at: Date;
}

export async function insertChallenge(
  db: Db,
  c: { id: string; userId: string | null; identity: string; b: Buffer; B: Buffer; seconds: number },
): Promise<void> {
  await db.query(
    `INSERT INTO srp_challenges (id, user_id, identity, b, big_b, expires_at)
     VALUES ($1, $2, $3, $4, $5, now() + make_interval(secs => $6))`,
    [c.id, c.userId, c.identity, c.b, c.B, c.seconds],
  );
}

/**
 * Deletes the challenge as it reads it (a challenge is good for one attempt), with its account
 * in the same statement: a login's proof costs one round trip before the SRP check.
 */
export async function takeChallengeRow(
  db: Db,
  challengeId: string,
): Promise<{ challenge: ChallengeRow; user: UserRow | undefined } | undefined> {
  const { rows } = await db.query<ChallengeRow & { [K in keyof UserRow]: UserRow[K] | null }>({
    name: 'aura-take-challenge',
    text: `WITH c AS (
             DELETE FROM srp_challenges WHERE id = $1 RETURNING user_id, identity, b, big_b, expires_at)
           SELECT c.user_id, c.identity, c.b, c.big_b, c.expires_at, u.id, u.email, u.kdf_seed, u.kdf_params,
                  u.srp_verifier, u.wrapped_account_key, u.account_key_id
             FROM c LEFT JOIN users u ON u.id = c.user_id`,
    values: [challengeId],
  });
  const row = rows[0];
  if (!row) return undefined;
  const { user_id, identity, b, big_b, expires_at, ...account } = row;
  return {
    challenge: { user_id, identity, b, big_b, expires_at },
    user: account.id === null ? undefined : (account as UserRow),
  };
}

// Sessions and refresh tokens

/**
 * A session and its first refresh token, in one statement, made only when `deviceId` is an active
 * device of the account (or none is named): false when it is not, and nothing was stored.
 */
export async function insertSession(
  db: Db,
  s: {
    id: string;
    userId: string;
    deviceId: string | null;
    sessionProof: string;
    seconds: number;
    refreshTokenHash: Buffer;
    refreshSeconds: number;
  },
): Promise<boolean> {
  const { rowCount } = await db.query({
    name: 'aura-insert-session',
    text: `WITH s AS (
             INSERT INTO sessions (id, user_id, device_id, session_proof, expires_at)
             SELECT $1, $2, $3, $4, now() + make_interval(secs => $5)
              WHERE $3::uuid IS NULL
                 OR EXISTS (SELECT 1 FROM devices WHERE id = $3 AND user_id = $2 AND revoked_at IS NULL)
             RETURNING id)
           INSERT INTO refresh_tokens (token_hash, session_id, expires_at)
           SELECT $6, id, now() + make_interval(secs => $7) FROM s`,
    values: [s.id, s.userId, s.deviceId, s.sessionProof, s.seconds, s.refreshTokenHash, s.refreshSeconds],
  });
  return rowCount === 1;
}

export async function insertRefreshToken(db: Db, tokenHash: Buffer, sessionId: string, seconds: number) {
  await db.query(
    `INSERT INTO refresh_tokens (token_hash, session_id, expires_at)
     VALUES ($1, $2, now() + make_interval(secs => $3))`,
    [tokenHash, sessionId, seconds],
  );
}

export interface RefreshRow {
  session_id: string;
  used_at: Date | null;
  expires_at: Date;
  user_id: string;
  device_id: string | null;
  session_proof: string;
  revoked_at: Date | null;
  kdf_seed: Buffer;
  kdf_params: unknown;
}

/** The token's row with its session and account, both locked until the caller's transaction ends. */
export async function lockRefreshToken(db: pg.PoolClient, tokenHash: Buffer): Promise<RefreshRow | undefined> {
  const { rows } = await db.query<RefreshRow>(
    `SELECT rt.session_id, rt.used_at, rt.expires_at, s.user_id, s.device_id, s.session_proof, s.revoked_at,
            u.kdf_seed, u.kdf_params
       FROM refresh_tokens rt JOIN sessions s ON s.id = rt.session_id JOIN users u ON u.id = s.user_id
      WHERE rt.token_hash = $1
      FOR UPDATE OF rt, s`,
    [tokenHash],
  );
  return rows[0];
}

export async function markRefreshTokenUsed(db: Db, tokenHash: Buffer): Promise<void> {
  await db.query('UPDATE refresh_tokens SET used_at = now() WHERE token_hash = $1', [tokenHash]);
}

/** Keeps the first revocation's time and reason if the session was already revoked. */
export async function revokeForTokenReuse(db: Db, sessionId: string): Promise<void> {
  await db.query(
    "UPDATE sessions SET revoked_at = coalesce(revoked_at, now()), revoked_reason = coalesce(revoked_reason, 'refresh-token-reuse') WHERE id = $1",
    [sessionId],
  );
}

export async function revokeSessionRow(db: Db, sessionId: string, reason: string): Promise<void> {
  await db.query('UPDATE sessions SET revoked_at = now(), revoked_reason = $2 WHERE id = $1 AND revoked_at IS NULL', [
    sessionId,
    reason,
  ]);
}

export async function revokeUserSessions(db: Db, userId: string): Promise<number> {
  const result = await db.query(
    "UPDATE sessions SET revoked_at = now(), revoked_reason = 'revoke-all' WHERE user_id = $1 AND revoked_at IS NULL",
    [userId],
  );
  return result.rowCount ?? 0;
}

export async function revokeOtherSessions(db: Db, userId: string, keepSessionId: string): Promise<void> {
  await db.query(
    "UPDATE sessions SET revoked_at = now(), revoked_reason = 'password-change' WHERE user_id = $1 AND id <> $2 AND revoked_at IS NULL",
    [userId, keepSessionId],
  );
}

export async function sessionOf(
  db: Db,
  userId: string,
  sessionId: string,
): Promise<{ revoked_at: Date | null; expires_at: Date; device_id: string | null } | undefined> {
  // Named: every authenticated request asks it, and a planned statement costs PostgreSQL a third.
  const { rows } = await db.query<{ revoked_at: Date | null; expires_at: Date; device_id: string | null }>({
    name: 'aura-session-of',
    text: 'SELECT revoked_at, expires_at, device_id FROM sessions WHERE id = $1 AND user_id = $2',
    values: [sessionId, userId],
  });
  return rows[0];
}
