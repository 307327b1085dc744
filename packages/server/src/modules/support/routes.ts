import { AuraError } from '@aura/errors';
import {
  AccessRequestIn,
  AccessRequestList,
  AgentRegistration,
  GrantIn,
  GrantList,
  GrantRecords,
  GrantRecordsQuery,
  OkResponse,
  RecordId,
  SupportAgent,
} from '@aura/protocol';
import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { authOf } from '../auth/authenticate.ts';
import { agentView, listAccessRequests, registerAgent, requestAccess } from './agents.ts';
import { createGrant, listGrants, readGrantedRecords, withdrawGrant } from './grants.ts';
import { agentOf } from './repository.ts';

const tags = ['support'];

/**
 * Support access (the spec's delegation): agents ask, users grant, agents read what was granted.
 * The server relays ciphertext and checks windows.
 */
export async function supportRoutes(fastify: FastifyInstance) {
  const app = fastify.withTypeProvider<ZodTypeProvider>();
  const auth = { preValidation: app.requireAuth };

  app.post(
    '/api/v1/support/agents',
    {
      ...auth,
      schema: {
        tags,
        summary: 'Register this account as a support agent',
        description:
          "Makes the calling account a support agent, with a name and public keys that the operator signed offline (AURA_SUPPORT_AGENT_UNTRUSTED when the operator's signature does not verify, AURA_SUPPORT_NOT_CONFIGURED when the server has no operator key). Registering again replaces the keys. Users' clients check the same signature before they grant the agent anything.",
        body: AgentRegistration,
        response: { 201: SupportAgent },
      },
    },
    async (request, reply) => reply.code(201).send(await registerAgent(app, authOf(request).userId, request.body)),
  );
  app.post(
    '/api/v1/support/requests',
    {
      ...auth,
      schema: {
        tags,
        summary: 'Ask a user for access to their data',
        description:
          "Called by a registered support agent (AURA_FORBIDDEN otherwise) with the user's email and a ticket reference. The user's devices are notified and see the request; nothing is shared until the user grants it. The answer is the same whether or not the email has an account.",
        body: AccessRequestIn,
        response: { 201: RecordId },
      },
    },
    async (request, reply) =>
      reply.code(201).send(await requestAccess(app, authOf(request).userId, request.body, request.ip)),
  );
  app.get(
    '/api/v1/support/requests',
    {
      ...auth,
      schema: {
        tags,
        summary: 'List the access requests made to this account',
        description:
          "The support agents' requests for access to this user's data, oldest first, each with its ticket, status and the agent's operator-signed keys, which the client checks before it offers to grant anything.",
        response: { 200: AccessRequestList },
      },
    },
    async (request) => listAccessRequests(app, authOf(request).userId),
  );
  app.get(
    '/api/v1/support/agents/:id',
    {
      ...auth,
      schema: {
        tags,
        summary: 'Get a support agent',
        description:
          "A registered support agent's name, public keys and the operator's signature over them. A user's client fetches it to check the agent and to seal a grant's key to the agent's public key.",
        params: RecordId,
        response: { 200: SupportAgent },
      },
    },
    async (request) => {
      const agent = await agentOf(app.pool, request.params.id);
      if (!agent) throw new AuraError('AURA_NOT_FOUND', 'no such support agent');
      return agentView(agent);
    },
  );
  app.post(
    '/api/v1/support/grants',
    {
      ...auth,
      schema: {
        tags,
        summary: 'Grant a support agent access to chosen records',
        description:
          'Called by an enrolled device of the user (AURA_FORBIDDEN from a session without one): a grant object signed by that device names the agent, the categories and the time window, and carries the chosen records re-encrypted under a key sealed to the agent. The server checks the signature and that the records match the grant (AURA_SUPPORT_GRANT_INVALID), stores the copies, and cannot read them. With `requestId`, the access request is marked granted.',
        body: GrantIn,
        response: { 201: RecordId },
      },
    },
    async (request, reply) => reply.code(201).send(await createGrant(app, authOf(request), request.body)),
  );
  app.get(
    '/api/v1/support/grants',
    {
      ...auth,
      schema: {
        tags,
        summary: 'List grants made by or to this account',
        description:
          "The grants this user made and, for a support agent, the grants made to it, oldest first, revoked and expired ones included. Each carries the signed grant object and the signing device's key, so either side can check what was granted and for how long.",
        response: { 200: GrantList },
      },
    },
    async (request) => listGrants(app, authOf(request).userId),
  );
  app.get(
    '/api/v1/support/grants/:id/records',
    {
      ...auth,
      schema: {
        tags,
        summary: 'Read the records of a grant',
        description:
          "Called by the support agent a grant was made to, while it is active (AURA_SUPPORT_GRANT_INACTIVE once expired or revoked): the grant and its re-encrypted records, which only the agent's key opens. Every read is an entry in the user's audit log and a notice to the user's devices. When two users granted the agent the same grant id, `user` names the one meant (AURA_CONFLICT without it).",
        params: RecordId,
        querystring: GrantRecordsQuery,
        response: { 200: GrantRecords },
      },
    },
    async (request) =>
      readGrantedRecords(app, authOf(request).userId, request.params.id, request.query.user, request.ip),
  );
  app.delete(
    '/api/v1/support/grants/:id',
    {
      ...auth,
      schema: {
        tags,
        summary: 'Revoke a grant',
        description:
          "Called by the user who made the grant: it ends at once, and the server deletes the records copied for the agent. The revocation is recorded in the user's audit log and the user's devices are notified. Revoking a grant already revoked keeps its first revocation time.",
        params: RecordId,
        response: { 200: OkResponse },
      },
    },
    async (request) => withdrawGrant(app, authOf(request), request.params.id),
  );
}
