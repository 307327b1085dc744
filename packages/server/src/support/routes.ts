import { randomUUID } from 'node:crypto';
import { verifySignature } from '@aura/crypto/public';
import { AuraError } from '@aura/errors';
import {
  AccessRequestIn,
  AccessRequestOut,
  AgentRegistration,
  GrantIn,
  type GrantObject,
  GrantOut,
  GrantRecords,
  normalizeEmail,
  OkResponse,
  RecordId,
  SupportAgent,
} from '@aura/protocol';
import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import type pg from 'pg';
import { z } from 'zod';
import type { AuditLog } from '../audit/log.ts';
import { authOf } from '../auth/authenticate.ts';
import type { ServerConfig } from '../config.ts';
import { withTransaction } from '../db/transaction.ts';

const b64 = (s: string) => Buffer.from(s, 'base64');
const enc = (b: Buffer) => b.toString('base64');

/** The bytes an operator signs for an agent: name and both public keys. */
export function agentKeyStatement(name: string, sealingPublicKey: string, signingPublicKey: string): Uint8Array {
  return new TextEncoder().encode(`aura/v1/support-agent\0${name}\0${sealingPublicKey}\0${signingPublicKey}`);
}

interface AgentRow {
  user_id: string;
  name: string;
  sealing_public_key: Buffer;
  signing_public_key: Buffer;
  operator_signature: Buffer;
}

const agentOut = (a: AgentRow) => ({
  id: a.user_id,
  name: a.name,
  sealingPublicKey: enc(a.sealing_public_key),
  signingPublicKey: enc(a.signing_public_key),
  operatorSignature: enc(a.operator_signature),
});

const invalidGrant = (why: string) => new AuraError('AURA_SUPPORT_GRANT_INVALID', `the grant was refused: ${why}`);

/**
 * Support access (the spec's delegation): agents ask, users grant a window onto chosen
 * categories re-encrypted under a key sealed to the agent, every read is audited, and a
 * revocation deletes the copies at once. The server relays ciphertext and checks windows.
 */
export function supportRoutes(config: ServerConfig, pool: pg.Pool, audit: AuditLog) {
  async function agentOf(userId: string): Promise<AgentRow | undefined> {
    return (await pool.query<AgentRow>('SELECT * FROM support_agents WHERE user_id = $1', [userId])).rows[0];
  }
  async function requireAgent(userId: string): Promise<AgentRow> {
    const agent = await agentOf(userId);
    if (!agent) throw new AuraError('AURA_FORBIDDEN', 'only a registered support agent may do this');
    return agent;
  }

  return async (fastify: FastifyInstance) => {
    const app = fastify.withTypeProvider<ZodTypeProvider>();
    const tags = ['support'];

    app.post(
      '/api/v1/support/agents',
      { preHandler: app.requireAuth, schema: { tags, body: AgentRegistration, response: { 201: SupportAgent } } },
      async (request, reply) => {
        if (!config.supportOperatorKey) {
          throw new AuraError(
            'AURA_SUPPORT_NOT_CONFIGURED',
            'this server has no support operator key (AURA_SUPPORT_OPERATOR_KEY)',
          );
        }
        const body = request.body;
        const statement = agentKeyStatement(body.name, body.sealingPublicKey, body.signingPublicKey);
        if (
          !verifySignature(b64(config.supportOperatorKey), 'support-agent-key', statement, b64(body.operatorSignature))
        ) {
          throw new AuraError(
            'AURA_SUPPORT_AGENT_UNTRUSTED',
            "the operator's signature over these agent keys does not verify",
          );
        }
        const { rows } = await pool.query<AgentRow>(
          `INSERT INTO support_agents (user_id, name, sealing_public_key, signing_public_key, operator_signature)
           VALUES ($1, $2, $3, $4, $5)
           ON CONFLICT (user_id) DO UPDATE SET name = $2, sealing_public_key = $3, signing_public_key = $4, operator_signature = $5
           RETURNING *`,
          [
            authOf(request).userId,
            body.name,
            b64(body.sealingPublicKey),
            b64(body.signingPublicKey),
            b64(body.operatorSignature),
          ],
        );
        return reply.code(201).send(agentOut(rows[0] as AgentRow));
      },
    );

    // An agent asks; the answer is the same whether or not the email has an account.
    app.post(
      '/api/v1/support/requests',
      {
        preHandler: app.requireAuth,
        schema: { tags, body: AccessRequestIn, response: { 201: z.strictObject({ id: z.uuid() }) } },
      },
      async (request, reply) => {
        const agent = await requireAgent(authOf(request).userId);
        const id = randomUUID();
        const { rows } = await pool.query<{ id: string }>('SELECT id FROM users WHERE email = $1', [
          normalizeEmail(request.body.userEmail),
        ]);
        const user = rows[0];
        if (user) {
          await pool.query('INSERT INTO support_requests (id, agent_id, user_id, ticket) VALUES ($1, $2, $3, $4)', [
            id,
            agent.user_id,
            user.id,
            request.body.ticket,
          ]);
          await audit.append(user.id, {
            eventType: 'support_access_request',
            actorId: agent.user_id,
            actorType: 'support_agent',
            targetId: id,
            action: 'request_access',
            result: 'pending',
            sensitive: { ticket: request.body.ticket, agent: agent.name, address: request.ip },
          });
        }
        return reply.code(201).send({ id });
      },
    );

    app.get(
      '/api/v1/support/requests',
      {
        preHandler: app.requireAuth,
        schema: { tags, response: { 200: z.strictObject({ requests: z.array(AccessRequestOut) }) } },
      },
      async (request) => {
        const { rows } = await pool.query<AgentRow & { id: string; ticket: string; created_at: Date; status: string }>(
          `SELECT r.id, r.ticket, r.created_at, r.status, a.* FROM support_requests r JOIN support_agents a ON a.user_id = r.agent_id
            WHERE r.user_id = $1 ORDER BY r.created_at`,
          [authOf(request).userId],
        );
        return {
          requests: rows.map((r) => ({
            id: r.id,
            ticket: r.ticket,
            createdAt: r.created_at.toISOString(),
            status: r.status,
            agent: agentOut(r),
          })),
        };
      },
    );

    app.get(
      '/api/v1/support/agents/:id',
      { preHandler: app.requireAuth, schema: { tags, params: RecordId, response: { 200: SupportAgent } } },
      async (request) => {
        const agent = await agentOf(request.params.id);
        if (!agent) throw new AuraError('AURA_NOT_FOUND', 'no such support agent');
        return agentOut(agent);
      },
    );

    app.post(
      '/api/v1/support/grants',
      {
        preHandler: app.requireAuth,
        schema: { tags, body: GrantIn, response: { 201: z.strictObject({ id: z.uuid() }) } },
      },
      async (request, reply) => {
        const auth = authOf(request);
        if (!auth.deviceId) throw new AuraError('AURA_FORBIDDEN', 'only an enrolled device can sign a grant');
        const signerDevice = auth.deviceId; // narrowed above; the closures below keep it
        const body = request.body;
        let grant: GrantObject;
        try {
          grant = JSON.parse(body.grantObject) as GrantObject;
        } catch {
          throw invalidGrant('the grant object is not JSON');
        }
        const agent = await agentOf(body.agentId);
        if (!agent) throw new AuraError('AURA_NOT_FOUND', 'no such support agent');
        const device = (
          await pool.query<{ signing_public_key: Buffer }>(
            'SELECT signing_public_key FROM devices WHERE id = $1 AND revoked_at IS NULL',
            [auth.deviceId],
          )
        ).rows[0];
        if (
          !device ||
          !verifySignature(
            device.signing_public_key,
            'support-grant',
            new TextEncoder().encode(body.grantObject),
            b64(body.signature),
          )
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
          grant.agentSealingKey !== enc(agent.sealing_public_key) ||
          !Array.isArray(grant.categories) ||
          Number.isNaN(from.getTime()) ||
          Number.isNaN(until.getTime()) ||
          until <= from
        ) {
          throw invalidGrant('the grant object does not match the request');
        }
        if (body.records.some((r) => !grant.categories.includes(r.category)))
          throw invalidGrant('a record is outside the granted categories');
        await withTransaction(pool, async (client) => {
          await client.query(
            `INSERT INTO support_grants (id, user_id, agent_id, request_id, device_id, categories, permissions, valid_from, valid_until,
                                       grant_object, signature, sealed_key)
           VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)`,
            [
              body.id,
              auth.userId,
              body.agentId,
              body.requestId ?? null,
              auth.deviceId,
              grant.categories,
              grant.permissions ?? ['read'],
              from,
              until,
              body.grantObject,
              b64(body.signature),
              b64(body.sealedKey),
            ],
          );
          await client.query(
            `INSERT INTO support_grant_records (grant_id, category, record_id, encrypted_data)
           SELECT $1, * FROM unnest($2::text[], $3::uuid[], $4::bytea[])`,
            [
              body.id,
              body.records.map((r) => r.category),
              body.records.map((r) => r.recordId),
              body.records.map((r) => b64(r.encryptedData)),
            ],
          );
          if (body.requestId) {
            await client.query("UPDATE support_requests SET status = 'granted' WHERE id = $1 AND user_id = $2", [
              body.requestId,
              auth.userId,
            ]);
          }
          await audit.append(
            auth.userId,
            {
              eventType: 'access_grant',
              actorId: signerDevice,
              actorType: 'device',
              targetId: body.agentId,
              action: 'grant_access',
              result: 'success',
              sensitive: {
                grantId: body.id,
                categories: grant.categories,
                validUntil: grant.validUntil,
                agent: agent.name,
              },
            },
            client,
          );
        });
        return reply.code(201).send({ id: body.id });
      },
    );

    const grantOut = (g: Record<string, unknown> & { device_signing_public_key: Buffer }) => ({
      id: g.id as string,
      userId: g.user_id as string,
      agentId: g.agent_id as string,
      deviceId: g.device_id as string,
      deviceSigningPublicKey: enc(g.device_signing_public_key),
      categories: g.categories as string[],
      validFrom: (g.valid_from as Date).toISOString(),
      validUntil: (g.valid_until as Date).toISOString(),
      revokedAt: (g.revoked_at as Date | null)?.toISOString() ?? null,
      grantObject: g.grant_object as string,
      signature: enc(g.signature as Buffer),
      sealedKey: enc(g.sealed_key as Buffer),
    });
    const GRANT_SELECT = `SELECT g.*, d.signing_public_key AS device_signing_public_key FROM support_grants g JOIN devices d ON d.id = g.device_id`;

    // A user sees the grants they made; an agent, the grants made to them.
    app.get(
      '/api/v1/support/grants',
      {
        preHandler: app.requireAuth,
        schema: { tags, response: { 200: z.strictObject({ grants: z.array(GrantOut) }) } },
      },
      async (request) => {
        const { userId } = authOf(request);
        const { rows } = await pool.query(
          `${GRANT_SELECT} WHERE g.user_id = $1 OR g.agent_id = $1 ORDER BY g.created_at`,
          [userId],
        );
        return { grants: rows.map(grantOut) };
      },
    );

    app.get(
      '/api/v1/support/grants/:id/records',
      { preHandler: app.requireAuth, schema: { tags, params: RecordId, response: { 200: GrantRecords } } },
      async (request) => {
        const agent = await requireAgent(authOf(request).userId);
        const { rows } = await pool.query(`${GRANT_SELECT} WHERE g.id = $1 AND g.agent_id = $2`, [
          request.params.id,
          agent.user_id,
        ]);
        const grant = rows[0];
        if (!grant) throw new AuraError('AURA_NOT_FOUND', 'no such grant for this agent');
        const now = new Date();
        if (grant.revoked_at || now < grant.valid_from || now >= grant.valid_until) {
          throw new AuraError(
            'AURA_SUPPORT_GRANT_INACTIVE',
            'this grant has expired or was revoked; ask the user for a new one',
          );
        }
        const records = await pool.query<{ category: string; record_id: string; encrypted_data: Buffer }>(
          'SELECT category, record_id, encrypted_data FROM support_grant_records WHERE grant_id = $1 ORDER BY category, record_id',
          [grant.id],
        );
        await audit.append(grant.user_id, {
          eventType: 'data_access',
          actorId: agent.user_id,
          actorType: 'support_agent',
          targetId: grant.id,
          action: 'read_granted_data',
          result: 'success',
          sensitive: { agent: agent.name, records: records.rowCount, address: request.ip },
        });
        return {
          grant: grantOut(grant),
          records: records.rows.map((r) => ({
            category: r.category,
            recordId: r.record_id,
            encryptedData: enc(r.encrypted_data),
          })),
        };
      },
    );

    app.delete(
      '/api/v1/support/grants/:id',
      { preHandler: app.requireAuth, schema: { tags, params: RecordId, response: { 200: OkResponse } } },
      async (request) => {
        const auth = authOf(request);
        await withTransaction(pool, async (client) => {
          const revoked = await client.query(
            'UPDATE support_grants SET revoked_at = coalesce(revoked_at, now()) WHERE id = $1 AND user_id = $2 RETURNING agent_id',
            [request.params.id, auth.userId],
          );
          if (revoked.rowCount === 0) throw new AuraError('AURA_NOT_FOUND', 'no such grant made by this account');
          await client.query('DELETE FROM support_grant_records WHERE grant_id = $1', [request.params.id]);
          await audit.append(
            auth.userId,
            {
              eventType: 'access_revoke',
              actorId: auth.deviceId ?? auth.userId,
              actorType: auth.deviceId ? 'device' : 'user',
              targetId: request.params.id,
              action: 'revoke_access',
              result: 'success',
            },
            client,
          );
        });
        return { ok: true as const };
      },
    );
  };
}
