import { randomUUID } from 'node:crypto';
import { verifySignature } from '@aura/crypto/public';
import { AuraError } from '@aura/errors';
import { type AccessRequestIn, type AgentRegistration, agentKeyStatement, normalizeEmail } from '@aura/protocol';
import type { FastifyInstance } from 'fastify';
import { fromBase64, toBase64 } from '../../base64.ts';
import {
  type AgentRow,
  accessRequestsFor,
  agentOf,
  insertAccessRequest,
  upsertAgent,
  userIdByEmail,
} from './repository.ts';

export const agentView = (a: AgentRow) => ({
  id: a.user_id,
  name: a.name,
  sealingPublicKey: toBase64(a.sealing_public_key),
  signingPublicKey: toBase64(a.signing_public_key),
  operatorSignature: toBase64(a.operator_signature),
});

export async function requireAgent(app: FastifyInstance, userId: string): Promise<AgentRow> {
  const agent = await agentOf(app.pool, userId);
  if (!agent) throw new AuraError('AURA_FORBIDDEN', 'only a registered support agent may do this');
  return agent;
}

/** An account becomes a support agent with keys the operator signed (M8). */
export async function registerAgent(app: FastifyInstance, userId: string, body: AgentRegistration) {
  const operatorKey = app.config.supportOperatorKey;
  if (!operatorKey) {
    throw new AuraError(
      'AURA_SUPPORT_NOT_CONFIGURED',
      'this server has no support operator key (AURA_SUPPORT_OPERATOR_KEY)',
    );
  }
  const statement = agentKeyStatement(body.name, body.sealingPublicKey, body.signingPublicKey);
  if (!verifySignature(fromBase64(operatorKey), 'support-agent-key', statement, fromBase64(body.operatorSignature))) {
    throw new AuraError(
      'AURA_SUPPORT_AGENT_UNTRUSTED',
      "the operator's signature over these agent keys does not verify",
    );
  }
  const agent = await upsertAgent(app.pool, {
    userId,
    name: body.name,
    sealingPublicKey: fromBase64(body.sealingPublicKey),
    signingPublicKey: fromBase64(body.signingPublicKey),
    operatorSignature: fromBase64(body.operatorSignature),
  });
  return agentView(agent);
}

/** An agent asks; the answer is the same whether or not the email has an account. */
export async function requestAccess(app: FastifyInstance, agentUserId: string, body: AccessRequestIn, address: string) {
  const agent = await requireAgent(app, agentUserId);
  const id = randomUUID();
  const userId = await userIdByEmail(app.pool, normalizeEmail(body.userEmail));
  if (userId) {
    await insertAccessRequest(app.pool, { id, agentId: agent.user_id, userId, ticket: body.ticket });
    await app.audit.append(userId, {
      eventType: 'support_access_request',
      actorId: agent.user_id,
      actorType: 'support_agent',
      targetId: id,
      action: 'request_access',
      result: 'pending',
      sensitive: { ticket: body.ticket, agent: agent.name, address },
    });
    void app.notifier.publish(userId, { type: 'support', event: 'access_requested', id });
  }
  return { id };
}

export async function listAccessRequests(app: FastifyInstance, userId: string) {
  return {
    requests: (await accessRequestsFor(app.pool, userId)).map((r) => ({
      id: r.id,
      ticket: r.ticket,
      createdAt: r.created_at.toISOString(),
      status: r.status,
      agent: agentView(r),
    })),
  };
}
