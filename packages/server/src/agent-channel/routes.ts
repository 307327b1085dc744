import { AuraError } from '@aura/errors';
import { AgentPending, AgentRequest, OkResponse, RecordId } from '@aura/protocol';
import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { fromBase64, toBase64 } from '../base64.ts';
import { authOf } from '../modules/auth/authenticate.ts';
import { dispatchView } from '../modules/tasks/views.ts';
import { checkUpgrade } from './handshake.ts';
import { frameText } from './hub.ts';
import { claimWork, markRequestDone, queueRequest } from './repository.ts';

const tags = ['agent'];

/**
 * The agent's side of the server: requests to plan, the work waiting for it, and its WebSocket,
 * over which the server pushes both as they come. The agent answers over HTTP.
 */
export async function agentChannelRoutes(fastify: FastifyInstance) {
  const app = fastify.withTypeProvider<ZodTypeProvider>();
  const hub = app.agentHub;

  app.post(
    '/api/v1/agent/requests',
    {
      preValidation: app.requireAuth,
      schema: {
        tags,
        summary: "Queue a request for the user's agent",
        description:
          'Called by one of the user\'s devices with a request ("book a table tomorrow") encrypted for the user\'s agent; the server cannot read it. It is queued and, when an agent is connected, pushed to one agent device as a `request` frame; otherwise an agent claims it when it connects. Idempotent by request id: posting the same id again queues nothing new.',
        body: AgentRequest,
        response: { 201: RecordId },
      },
    },
    async (request, reply) => {
      const { userId } = authOf(request);
      const { id, ciphertext } = request.body;
      const agent = hub.pick(userId);
      const queued = await queueRequest(app.pool, { id, userId, ciphertext: fromBase64(ciphertext), agent });
      // Planned by one agent only: two would submit the same request twice.
      if (agent && queued) hub.sendTo(userId, agent, { type: 'request', request: { id, ciphertext } });
      else if (queued) await app.agentWake.signal(userId);
      return reply.code(201).send({ id });
    },
  );

  app.post(
    '/api/v1/agent/requests/:id/done',
    {
      preValidation: app.requireAuth,
      schema: {
        tags,
        summary: 'Mark a queued request as handled',
        description:
          'Called by the agent once it has planned a request (submitted its task) or dropped it: the request leaves the queue and is not handed out again. Marking it again is harmless; an id this account never queued is AURA_NOT_FOUND.',
        params: RecordId,
        response: { 200: OkResponse },
      },
    },
    async (request) => {
      if (!(await markRequestDone(app.pool, authOf(request).userId, request.params.id)))
        throw new AuraError('AURA_NOT_FOUND', 'no such request in this account');
      return { ok: true as const };
    },
  );

  // A POST, not a GET: claiming changes who holds the work. (It replaces GET /api/v1/agent/pending,
  // which claimed all the same; that route is gone, not kept as a view.)
  app.post(
    '/api/v1/agent/claim',
    {
      preValidation: app.requireAuth,
      schema: {
        tags,
        summary: 'Claim the work waiting for this agent',
        description:
          "Called by the agent when it connects (and after any `hello` frame): the queued requests and dispatched step attempts that are this device's already or no one's yet become this device's, oldest first; another device never gets the same item. The items are ciphertext the server cannot read. A session without a device gets nothing; a revoked device gets AURA_SESSION_REVOKED.",
        response: { 200: AgentPending },
      },
    },
    async (request) => {
      const { userId, deviceId } = authOf(request);
      // A session without a device runs no agent: there is nothing it could claim.
      const work = deviceId ? await claimWork(app.pool, userId, deviceId) : { requests: [], dispatches: [] };
      if (!work) throw new AuraError('AURA_SESSION_REVOKED', 'this device was revoked; it can no longer claim work');
      return {
        dispatches: work.dispatches.map(dispatchView),
        requests: work.requests.map((r) => ({
          id: r.id,
          ciphertext: toBase64(r.ciphertext),
          createdAt: r.created_at.toISOString(),
        })),
      };
    },
  );

  app.route({
    method: 'GET',
    url: '/api/v1/agent/connect',
    preValidation: app.requireAuth,
    schema: {
      tags,
      summary: 'Open the agent WebSocket',
      description:
        "The agent's channel: a WebSocket (GET with `Upgrade: websocket`) over which the server pushes `hello`, `request` and `dispatch` frames (AgentFrame) as work arrives; the agent sends nothing and answers over HTTP. The token goes in `Authorization: Bearer`, or in a browser as the subprotocol `aura.bearer.<token>` beside `aura.v1`. Every frame is a nudge: what it carries stays in the database and POST /api/v1/agent/claim hands it out again. Frames, close codes and a typical exchange: docs/agent-websocket.md.",
    },
    // Checked here, so a bad handshake gets the registry's JSON and not the ws library's HTML.
    preHandler: async (request) => checkUpgrade(request.headers),
    // A plain GET (no upgrade) on this route.
    handler: async () => {
      throw new AuraError('AURA_INVALID_INPUT', 'this route takes a WebSocket upgrade (GET with Upgrade: websocket)');
    },
    wsHandler: (socket, request) => {
      const { userId, deviceId } = authOf(request);
      const remove = hub.add(userId, deviceId, socket);
      socket.on('close', remove);
      socket.on('message', () => {
        // The agent talks back over HTTP (results, done requests); a message here is ignored.
      });
      socket.send(frameText({ type: 'hello', pending: true }));
    },
  });
}
