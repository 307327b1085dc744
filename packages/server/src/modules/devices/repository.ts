import type pg from 'pg';

/** The SQL of devices and enrollments; every read is scoped to its user. */
type Db = pg.Pool | pg.PoolClient;

export interface DeviceRow {
  id: string;
  name: string | null;
  sealing_public_key: Buffer;
  signing_public_key: Buffer;
  created_at: Date;
  revoked_at: Date | null;
  certificate: Buffer | null;
}

export interface EnrollmentRow {
  id: string;
  name: string | null;
  sealing_public_key: Buffer;
  signing_public_key: Buffer;
  claim_secret_hash: Buffer;
  created_at: Date;
  expires_at: Date;
  approved_by_device: string | null;
  approval_signature: Buffer | null;
  sealed_account_key: Buffer | null;
  device_id: string | null;
}

/** The devices with the log's size in the same snapshot: a client checks the list against its history as of then. */
export async function listDevices(db: Db, userId: string): Promise<{ devices: DeviceRow[]; logSize: number }> {
  const { rows } = await db.query<DeviceRow & { log_size: number }>(
    `SELECT d.*, coalesce((SELECT size FROM audit_logs WHERE user_id = $1), 0)::int AS log_size
       FROM devices d WHERE user_id = $1 ORDER BY created_at, id`,
    [userId],
  );
  return { devices: rows, logSize: rows[0]?.log_size ?? 0 };
}

/** Marks the device revoked (keeping the first revocation's time) and returns its keys. */
export async function markRevoked(db: Db, userId: string, deviceId: string) {
  const { rows } = await db.query<{ sealing_public_key: Buffer; signing_public_key: Buffer }>(
    `UPDATE devices SET revoked_at = coalesce(revoked_at, now()) WHERE id = $1 AND user_id = $2
     RETURNING sealing_public_key, signing_public_key`,
    [deviceId, userId],
  );
  return rows[0];
}

/**
 * The signing key of a device that may sign a change now: active, or (`orRevoking`) the very
 * device being revoked, which may sign its own revocation. Held FOR SHARE until the change commits.
 */
export async function signerKey(
  db: Db,
  userId: string,
  deviceId: string | null,
  orRevoking: string | null = null,
): Promise<Buffer | undefined> {
  const { rows } = await db.query<{ signing_public_key: Buffer }>(
    orRevoking === null
      ? 'SELECT signing_public_key FROM devices WHERE id = $1 AND user_id = $2 AND revoked_at IS NULL FOR SHARE'
      : 'SELECT signing_public_key FROM devices WHERE id = $1 AND user_id = $2 AND (revoked_at IS NULL OR id = $3) FOR SHARE',
    orRevoking === null ? [deviceId, userId] : [deviceId, userId, orRevoking],
  );
  return rows[0]?.signing_public_key;
}

/** A revoked device's sessions end, and work addressed to its agent goes back to whichever agent asks next. */
export async function releaseRevokedDevice(db: Db, deviceId: string): Promise<void> {
  await db.query(
    "UPDATE sessions SET revoked_at = now(), revoked_reason = 'device-revoked' WHERE device_id = $1 AND revoked_at IS NULL",
    [deviceId],
  );
}

export async function releaseAgentWork(db: Db, userId: string, deviceId: string): Promise<void> {
  await db.query('UPDATE task_steps SET dispatched_to = NULL WHERE user_id = $1 AND dispatched_to = $2', [
    userId,
    deviceId,
  ]);
  await db.query(
    `UPDATE agent_requests SET claimed_by = NULL WHERE user_id = $1 AND claimed_by = $2 AND status = 'queued'`,
    [userId, deviceId],
  );
}

export async function setCertificate(db: Db, userId: string, deviceId: string, certificate: Buffer) {
  const updated = await db.query(
    'UPDATE devices SET certificate = $3 WHERE id = $1 AND user_id = $2 AND revoked_at IS NULL',
    [deviceId, userId, certificate],
  );
  return updated.rowCount !== 0;
}

export async function insertEnrollment(
  db: Db,
  e: {
    id: string;
    email: string;
    name: string | null;
    sealingPublicKey: Buffer;
    signingPublicKey: Buffer;
    claimSecretHash: Buffer;
    seconds: number;
  },
): Promise<Date | undefined> {
  const { rows } = await db.query<{ expires_at: Date }>(
    `INSERT INTO device_enrollments (id, email, name, sealing_public_key, signing_public_key, claim_secret_hash, expires_at)
     VALUES ($1, $2, $3, $4, $5, $6, now() + make_interval(secs => $7)) RETURNING expires_at`,
    [e.id, e.email, e.name, e.sealingPublicKey, e.signingPublicKey, e.claimSecretHash, e.seconds],
  );
  return rows[0]?.expires_at;
}

export async function pendingEnrollments(db: Db, userId: string): Promise<EnrollmentRow[]> {
  const { rows } = await db.query<EnrollmentRow>(
    `SELECT e.* FROM device_enrollments e JOIN users u ON u.email = e.email
      WHERE u.id = $1 AND e.approved_by_device IS NULL AND e.expires_at > now() ORDER BY e.created_at`,
    [userId],
  );
  return rows;
}

/** A live, unapproved enrollment for the account's email, locked until the approval commits. */
export async function lockPendingEnrollment(db: Db, userId: string, enrollmentId: string) {
  const { rows } = await db.query<EnrollmentRow>(
    `SELECT e.* FROM device_enrollments e JOIN users u ON u.email = e.email
      WHERE e.id = $1 AND u.id = $2 AND e.approved_by_device IS NULL AND e.expires_at > now() FOR UPDATE OF e`,
    [enrollmentId, userId],
  );
  return rows[0];
}

export async function insertEnrolledDevice(
  db: Db,
  userId: string,
  enrollment: EnrollmentRow,
  certificate: Buffer,
): Promise<void> {
  await db.query(
    `INSERT INTO devices (id, user_id, name, sealing_public_key, signing_public_key, certificate)
     VALUES ($1, $2, $3, $4, $5, $6)`,
    [enrollment.id, userId, enrollment.name, enrollment.sealing_public_key, enrollment.signing_public_key, certificate],
  );
}

export async function recordApproval(
  db: Db,
  a: { enrollmentId: string; approver: string; signature: Buffer; sealedAccountKey: Buffer; deviceId: string },
): Promise<void> {
  await db.query(
    `UPDATE device_enrollments SET approved_by_device = $2, approval_signature = $3, sealed_account_key = $4, device_id = $5
      WHERE id = $1`,
    [a.enrollmentId, a.approver, a.signature, a.sealedAccountKey, a.deviceId],
  );
}

export type ClaimableEnrollment = EnrollmentRow & {
  user_id: string | null;
  kdf_seed: Buffer;
  kdf_params: unknown;
  account_key_id: Buffer;
};

export async function claimableEnrollment(db: Db, enrollmentId: string): Promise<ClaimableEnrollment | undefined> {
  const { rows } = await db.query<ClaimableEnrollment>(
    `SELECT e.*, u.id AS user_id, u.kdf_seed, u.kdf_params, u.account_key_id
       FROM device_enrollments e LEFT JOIN users u ON u.email = e.email
      WHERE e.id = $1 AND e.claimed_at IS NULL AND e.expires_at > now()`,
    [enrollmentId],
  );
  return rows[0];
}

/** False when another claim got there first. */
export async function markClaimed(db: Db, enrollmentId: string): Promise<boolean> {
  const claimed = await db.query(
    'UPDATE device_enrollments SET claimed_at = now() WHERE id = $1 AND claimed_at IS NULL',
    [enrollmentId],
  );
  return claimed.rowCount !== 0;
}

/**
 * Serialises changes to an account's device list: two revocations at once would each see the
 * other device still active (and could leave none), or deadlock on each other's rows.
 */
export async function lockDeviceList(db: Db, userId: string): Promise<void> {
  await db.query('SELECT 1 FROM users WHERE id = $1 FOR UPDATE', [userId]);
}

/** Devices of the account not revoked (in this transaction's view). */
export async function activeDeviceCount(db: Db, userId: string): Promise<number> {
  const { rows } = await db.query<{ n: number }>(
    'SELECT count(*)::int AS n FROM devices WHERE user_id = $1 AND revoked_at IS NULL',
    [userId],
  );
  return rows[0]?.n ?? 0;
}
