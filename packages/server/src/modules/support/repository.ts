import { AuraError } from '@aura/errors';
import type pg from 'pg';

/**
 * The SQL of support agents, their access requests and the users' grants to them. A grant's id
 * is chosen by the user's client and is unique within that user (migration 008).
 */
type Db = pg.Pool | pg.PoolClient;

/** A key the client chose is one it already used: its own conflict, answered 409, not a 500. */
async function refusingDuplicates<T>(what: string, write: () => Promise<T>): Promise<T> {
  try {
    return await write();
  } catch (error) {
    if ((error as { code?: unknown } | null)?.code === '23505') throw new AuraError('AURA_CONFLICT', what);
    throw error;
  }
}

export interface AgentRow {
  user_id: string;
  name: string;
  sealing_public_key: Buffer;
  signing_public_key: Buffer;
  operator_signature: Buffer;
}

export interface GrantRow {
  id: string;
  user_id: string;
  agent_id: string;
  device_id: string;
  device_signing_public_key: Buffer;
  categories: string[];
  valid_from: Date;
  valid_until: Date;
  revoked_at: Date | null;
  grant_object: string;
  signature: Buffer;
  sealed_key: Buffer;
}

export async function agentOf(db: Db, userId: string): Promise<AgentRow | undefined> {
  return (await db.query<AgentRow>('SELECT * FROM support_agents WHERE user_id = $1', [userId])).rows[0];
}

/** Registers the caller as an agent, or replaces its keys (each time signed by the operator). */
export async function upsertAgent(
  db: Db,
  a: { userId: string; name: string; sealingPublicKey: Buffer; signingPublicKey: Buffer; operatorSignature: Buffer },
): Promise<AgentRow> {
  const { rows } = await db.query<AgentRow>(
    `INSERT INTO support_agents (user_id, name, sealing_public_key, signing_public_key, operator_signature)
     VALUES ($1, $2, $3, $4, $5)
     ON CONFLICT (user_id) DO UPDATE SET name = $2, sealing_public_key = $3, signing_public_key = $4, operator_signature = $5
     RETURNING *`,
    [a.userId, a.name, a.sealingPublicKey, a.signingPublicKey, a.operatorSignature],
  );
  return rows[0] as AgentRow;
}

export async function userIdByEmail(db: Db, email: string): Promise<string | undefined> {
  const { rows } = await db.query<{ id: string }>('SELECT id FROM users WHERE email = $1', [email]);
  return rows[0]?.id;
}

export async function insertAccessRequest(
  db: Db,
  r: { id: string; agentId: string; userId: string; ticket: string },
): Promise<void> {
  await db.query('INSERT INTO support_requests (id, agent_id, user_id, ticket) VALUES ($1, $2, $3, $4)', [
    r.id,
    r.agentId,
    r.userId,
    r.ticket,
  ]);
}

export async function accessRequestsFor(db: Db, userId: string) {
  const { rows } = await db.query<AgentRow & { id: string; ticket: string; created_at: Date; status: string }>(
    `SELECT r.id, r.ticket, r.created_at, r.status, a.* FROM support_requests r JOIN support_agents a ON a.user_id = r.agent_id
      WHERE r.user_id = $1 ORDER BY r.created_at`,
    [userId],
  );
  return rows;
}

/** The signing key of an active device of any account: the grant object itself names the user. */
export async function activeDeviceKey(db: Db, deviceId: string): Promise<Buffer | undefined> {
  const { rows } = await db.query<{ signing_public_key: Buffer }>(
    'SELECT signing_public_key FROM devices WHERE id = $1 AND revoked_at IS NULL',
    [deviceId],
  );
  return rows[0]?.signing_public_key;
}

export async function insertGrant(
  db: Db,
  g: {
    id: string;
    userId: string;
    agentId: string;
    requestId: string | null;
    deviceId: string;
    categories: string[];
    permissions: string[];
    validFrom: Date;
    validUntil: Date;
    grantObject: string;
    signature: Buffer;
    sealedKey: Buffer;
  },
): Promise<void> {
  await refusingDuplicates('a grant with this id already exists in this account; choose a new id', () =>
    db.query(
      `INSERT INTO support_grants (id, user_id, agent_id, request_id, device_id, categories, permissions, valid_from,
                                   valid_until, grant_object, signature, sealed_key)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)`,
      [
        g.id,
        g.userId,
        g.agentId,
        g.requestId,
        g.deviceId,
        g.categories,
        g.permissions,
        g.validFrom,
        g.validUntil,
        g.grantObject,
        g.signature,
        g.sealedKey,
      ],
    ),
  );
}

export async function insertGrantRecords(
  db: Db,
  userId: string,
  grantId: string,
  records: { category: string; recordId: string; encryptedData: Buffer }[],
): Promise<void> {
  await refusingDuplicates('the grant lists a record twice', () =>
    db.query(
      `INSERT INTO support_grant_records (user_id, grant_id, category, record_id, encrypted_data)
       SELECT $1, $2, * FROM unnest($3::text[], $4::uuid[], $5::bytea[])`,
      [
        userId,
        grantId,
        records.map((r) => r.category),
        records.map((r) => r.recordId),
        records.map((r) => r.encryptedData),
      ],
    ),
  );
}

/** False when the user has no such access request (another user's is none either). */
export async function markRequestGranted(db: Db, userId: string, requestId: string): Promise<boolean> {
  const marked = await db.query("UPDATE support_requests SET status = 'granted' WHERE id = $1 AND user_id = $2", [
    requestId,
    userId,
  ]);
  return marked.rowCount !== 0;
}

const GRANT_SELECT = `SELECT g.*, d.signing_public_key AS device_signing_public_key FROM support_grants g JOIN devices d ON d.id = g.device_id`;

/** A user sees the grants they made; an agent, the grants made to them. */
export async function grantsOf(db: Db, userId: string): Promise<GrantRow[]> {
  const { rows } = await db.query<GrantRow>(
    `${GRANT_SELECT} WHERE g.user_id = $1 OR g.agent_id = $1 ORDER BY g.created_at`,
    [userId],
  );
  return rows;
}

/**
 * The grants to this agent with this id: one, unless two users chose the same id (ids are per
 * user), which `userId` tells apart. The caller decides what more than one means.
 */
export async function grantsToAgent(
  db: Db,
  grantId: string,
  agentId: string,
  userId: string | undefined,
): Promise<GrantRow[]> {
  const { rows } = await db.query<GrantRow>(
    `${GRANT_SELECT} WHERE g.id = $1 AND g.agent_id = $2 AND ($3::uuid IS NULL OR g.user_id = $3) LIMIT 2`,
    [grantId, agentId, userId ?? null],
  );
  return rows;
}

export async function grantRecords(db: Db, userId: string, grantId: string) {
  const { rows } = await db.query<{ category: string; record_id: string; encrypted_data: Buffer }>(
    `SELECT category, record_id, encrypted_data FROM support_grant_records WHERE user_id = $1 AND grant_id = $2
      ORDER BY category, record_id`,
    [userId, grantId],
  );
  return rows;
}

/** Revokes the user's grant (keeping the first revocation's time) and deletes its re-encrypted copies. */
export async function revokeGrant(db: pg.PoolClient, userId: string, grantId: string): Promise<boolean> {
  const revoked = await db.query(
    'UPDATE support_grants SET revoked_at = coalesce(revoked_at, now()) WHERE id = $1 AND user_id = $2 RETURNING agent_id',
    [grantId, userId],
  );
  if (revoked.rowCount === 0) return false;
  await db.query('DELETE FROM support_grant_records WHERE user_id = $1 AND grant_id = $2', [userId, grantId]);
  return true;
}
