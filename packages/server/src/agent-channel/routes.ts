import { AuraError } from '@aura/errors';
import { AgentPending, AgentRequest, OkResponse, RecordId } from '@aura/protocol';
import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { fromBase64, toBase64 } from '../base64.ts';
import { authOf } from '../modules/auth/authenticate.ts';
import { dispatchView } from '../modules/tasks/views.ts';
import { frameText } from './hub.ts';
import { claimDispatches, claimRequests, markRequestDone, queueRequest, requestOwner } from './repository.ts';

const tags = ['tasks'];

/**
 * The agent's side of the server: requests to plan, the work waiting for it, and its WebSocket,
 * over which the server pushes both as they come. The agent answers over HTTP.
 */
export async function agentChannelRoutes(fastify: FastifyInstance) {
  const app = fastify.withTypeProvider<ZodTypeProvider>();
  const hub = app.agentHub;

  app.post(
    '/api/v1/agent/requests',
    { preValidation: app.requireAuth, schema: { tags, body: AgentRequest, response: { 201: RecordId } } },
    async (request, reply) => {
      const { userId } = authOf(request);
      const { id, ciphertext } = request.body;
      const agent = hub.pick(userId);
      const queued = await queueRequest(app.pool, { id, userId, ciphertext: fromBase64(ciphertext), agent });
      if (!queued && (await requestOwner(app.pool, id)) !== userId)
        throw new AuraError('AURA_CONFLICT', 'that request id is taken');
      // Planned by one agent only: two would submit the same request twice.
      if (agent && queued) hub.sendTo(userId, agent, { type: 'request', request: { id, ciphertext } });
      return reply.code(201).send({ id });
    },
  );

  app.post(
    '/api/v1/agent/requests/:id/done',
    { preValidation: app.requireAuth, schema: { tags, params: RecordId, response: { 200: OkResponse } } },
    async (request) => {
      if (!(await markRequestDone(app.pool, authOf(request).userId, request.params.id)))
        throw new AuraError('AURA_NOT_FOUND', 'no such request in this account');
      return { ok: true as const };
    },
  );

  app.get(
    '/api/v1/agent/pending',
    { preValidation: app.requireAuth, schema: { tags, response: { 200: AgentPending } } },
    async (request) => {
      const { userId, deviceId } = authOf(request);
      const requests = await claimRequests(app.pool, userId, deviceId);
      return {
        dispatches: (await claimDispatches(app.pool, userId, deviceId)).map(dispatchView),
        requests: requests.map((r) => ({
          id: r.id,
          ciphertext: toBase64(r.ciphertext),
          createdAt: r.created_at.toISOString(),
        })),
      };
    },
  );

  app.get('/api/v1/agent/connect', { websocket: true, preValidation: app.requireAuth }, (socket, request) => {
    const { userId, deviceId } = authOf(request);
    const remove = hub.add(userId, deviceId, socket);
    socket.on('close', remove);
    socket.on('message', () => {
      // The agent talks back over HTTP (results, done requests); a message here is ignored.
    });
    socket.send(frameText({ type: 'hello', pending: true }));
  });
}
