import { verifySignature } from '@aura/crypto/public';
import { AuraError } from '@aura/errors';
import type { GrantIn, GrantObject } from '@aura/protocol';
import type { FastifyInstance } from 'fastify';
import { fromBase64, toBase64 } from '../../base64.ts';
import { withTransaction } from '../../db/transaction.ts';
import { actorOf } from '../auth/authenticate.ts';
import type { AuthContext } from '../auth/tokens.ts';
import { requireAgent } from './agents.ts';
import {
  activeDeviceKey,
  agentOf,
  type GrantRow,
  grantRecords,
  grantsOf,
  grantsToAgent,
  insertGrant,
  insertGrantRecords,
  markRequestGranted,
  revokeGrant,
} from './repository.ts';

/**
 * Grants: a window onto chosen categories, re-encrypted under a key sealed to the agent and
 * signed by a device of the user (M9). Every read is audited; a revocation deletes the copies.
 */
const invalidGrant = (why: string) => new AuraError('AURA_SUPPORT_GRANT_INVALID', `the grant was refused: ${why}`);

export const grantView = (g: GrantRow) => ({
  id: g.id,
  userId: g.user_id,
  agentId: g.agent_id,
  deviceId: g.device_id,
  deviceSigningPublicKey: toBase64(g.device_signing_public_key),
  categories: g.categories,
  validFrom: g.valid_from.toISOString(),
  validUntil: g.valid_until.toISOString(),
  revokedAt: g.revoked_at?.toISOString() ?? null,
  grantObject: g.grant_object,
  signature: toBase64(g.signature),
  sealedKey: toBase64(g.sealed_key),
});

function parseGrant(grantObject: string): GrantObject {
  try {
    return JSON.parse(grantObject) as GrantObject;
  } catch {
    throw invalidGrant('the grant object is not JSON');
  }
}

export async function createGrant(app: FastifyInstance, auth: AuthContext, body: GrantIn) {
  if (!auth.deviceId) throw new AuraError('AURA_FORBIDDEN', 'only an enrolled device can sign a grant');
  const signerDevice = auth.deviceId; // narrowed above; the closure below keeps it
  const grant = parseGrant(body.grantObject);
  const agent = await agentOf(app.pool, body.agentId);
  if (!agent) throw new AuraError('AURA_NOT_FOUND', 'no such support agent');
  const deviceKey = await activeDeviceKey(app.pool, signerDevice);
  if (
    !deviceKey ||
    !verifySignature(deviceKey, 'support-grant', new TextEncoder().encode(body.grantObject), fromBase64(body.signature))
  ) {
    throw invalidGrant('it is not signed by this device');
  }
  const from = new Date(grant.validFrom);
  const until = new Date(grant.validUntil);
  if (
    grant.v !== 1 ||
    grant.grantId !== body.id ||
    grant.userId !== auth.userId ||
    grant.agentId !== body.agentId ||
    grant.agentSealingKey !== toBase64(agent.sealing_public_key) ||
    !Array.isArray(grant.categories) ||
    Number.isNaN(from.getTime()) ||
    Number.isNaN(until.getTime()) ||
    until <= from
  ) {
    throw invalidGrant('the grant object does not match the request');
  }
  if (body.records.some((r) => !grant.categories.includes(r.category)))
    throw invalidGrant('a record is outside the granted categories');
  if (new Set(body.records.map((r) => `${r.category}/${r.recordId}`)).size !== body.records.length)
    throw invalidGrant('a record is listed twice');
  await withTransaction(app.pool, async (client) => {
    // Before the grant's row, which references the request: an id that is not this user's own
    // request answers alike whether it is unused or another user's.
    if (body.requestId && !(await markRequestGranted(client, auth.userId, body.requestId)))
      throw new AuraError('AURA_NOT_FOUND', 'no such access request for this account');
    await insertGrant(client, {
      id: body.id,
      userId: auth.userId,
      agentId: body.agentId,
      requestId: body.requestId ?? null,
      deviceId: signerDevice,
      categories: grant.categories,
      permissions: grant.permissions ?? ['read'],
      validFrom: from,
      validUntil: until,
      grantObject: body.grantObject,
      signature: fromBase64(body.signature),
      sealedKey: fromBase64(body.sealedKey),
    });
    await insertGrantRecords(
      client,
      auth.userId,
      body.id,
      body.records.map((r) => ({
        category: r.category,
        recordId: r.recordId,
        encryptedData: fromBase64(r.encryptedData),
      })),
    );
    await app.audit.append(
      auth.userId,
      {
        eventType: 'access_grant',
        actorId: signerDevice,
        actorType: 'device',
        targetId: body.agentId,
        action: 'grant_access',
        result: 'success',
        sensitive: { grantId: body.id, categories: grant.categories, validUntil: grant.validUntil, agent: agent.name },
      },
      client,
    );
  });
  void app.notifier.publish(auth.userId, { type: 'support', event: 'access_granted', id: body.id });
  return { id: body.id };
}

export async function listGrants(app: FastifyInstance, userId: string) {
  return { grants: (await grantsOf(app.pool, userId)).map(grantView) };
}

/**
 * What an agent reads through an active grant; each read is an audit entry of the user's. Grant
 * ids are per user, so two users may have granted this agent the same id: `userId` (the grant's
 * user, as the agent's list shows it) picks one, and without it such an id is refused rather
 * than answered with either user's grant.
 */
export async function readGrantedRecords(
  app: FastifyInstance,
  agentUserId: string,
  grantId: string,
  userId: string | undefined,
  address: string,
) {
  const agent = await requireAgent(app, agentUserId);
  const [grant, other] = await grantsToAgent(app.pool, grantId, agent.user_id, userId);
  if (!grant) throw new AuraError('AURA_NOT_FOUND', 'no such grant for this agent');
  if (other)
    throw new AuraError(
      'AURA_CONFLICT',
      'two users granted this agent a grant with this id; name the one meant (?user=USER_ID, or aura support read ID --user USER_ID)',
    );
  const now = new Date();
  if (grant.revoked_at || now < grant.valid_from || now >= grant.valid_until) {
    throw new AuraError(
      'AURA_SUPPORT_GRANT_INACTIVE',
      'this grant has expired or was revoked; ask the user for a new one',
    );
  }
  const records = await grantRecords(app.pool, grant.user_id, grant.id);
  await app.audit.append(grant.user_id, {
    eventType: 'data_access',
    actorId: agent.user_id,
    actorType: 'support_agent',
    targetId: grant.id,
    action: 'read_granted_data',
    result: 'success',
    sensitive: { agent: agent.name, records: records.length, address },
  });
  void app.notifier.publish(grant.user_id, { type: 'support', event: 'data_read', id: grant.id });
  return {
    grant: grantView(grant),
    records: records.map((r) => ({
      category: r.category,
      recordId: r.record_id,
      encryptedData: toBase64(r.encrypted_data),
    })),
  };
}

export async function withdrawGrant(app: FastifyInstance, auth: AuthContext, grantId: string) {
  await withTransaction(app.pool, async (client) => {
    if (!(await revokeGrant(client, auth.userId, grantId)))
      throw new AuraError('AURA_NOT_FOUND', 'no such grant made by this account');
    await app.audit.append(
      auth.userId,
      {
        eventType: 'access_revoke',
        ...actorOf(auth),
        targetId: grantId,
        action: 'revoke_access',
        result: 'success',
      },
      client,
    );
  });
  void app.notifier.publish(auth.userId, { type: 'support', event: 'access_revoked', id: grantId });
  return { ok: true as const };
}
