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
    { ...auth, schema: { tags, body: AgentRegistration, response: { 201: SupportAgent } } },
    async (request, reply) => reply.code(201).send(await registerAgent(app, authOf(request).userId, request.body)),
  );
  app.post(
    '/api/v1/support/requests',
    { ...auth, schema: { tags, body: AccessRequestIn, response: { 201: RecordId } } },
    async (request, reply) =>
      reply.code(201).send(await requestAccess(app, authOf(request).userId, request.body, request.ip)),
  );
  app.get(
    '/api/v1/support/requests',
    { ...auth, schema: { tags, response: { 200: AccessRequestList } } },
    async (request) => listAccessRequests(app, authOf(request).userId),
  );
  app.get(
    '/api/v1/support/agents/:id',
    { ...auth, schema: { tags, params: RecordId, response: { 200: SupportAgent } } },
    async (request) => {
      const agent = await agentOf(app.pool, request.params.id);
      if (!agent) throw new AuraError('AURA_NOT_FOUND', 'no such support agent');
      return agentView(agent);
    },
  );
  app.post(
    '/api/v1/support/grants',
    { ...auth, schema: { tags, body: GrantIn, response: { 201: RecordId } } },
    async (request, reply) => reply.code(201).send(await createGrant(app, authOf(request), request.body)),
  );
  app.get('/api/v1/support/grants', { ...auth, schema: { tags, response: { 200: GrantList } } }, async (request) =>
    listGrants(app, authOf(request).userId),
  );
  app.get(
    '/api/v1/support/grants/:id/records',
    { ...auth, schema: { tags, params: RecordId, querystring: GrantRecordsQuery, response: { 200: GrantRecords } } },
    async (request) =>
      readGrantedRecords(app, authOf(request).userId, request.params.id, request.query.user, request.ip),
  );
  app.delete(
    '/api/v1/support/grants/:id',
    { ...auth, schema: { tags, params: RecordId, response: { 200: OkResponse } } },
    async (request) => withdrawGrant(app, authOf(request), request.params.id),
  );
}
