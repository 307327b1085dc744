import { AuraError } from '@aura/errors';
import { type LoggedEvent, type NotificationFrame, NotificationLog, NotificationLogQuery } from '@aura/protocol';
import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import type { WebSocket } from 'ws';
import { checkUpgrade } from '../agent-channel/handshake.ts';
import { eventsAfter } from '../events/log.ts';
import { authOf } from '../modules/auth/authenticate.ts';
import { streamEvents } from './stream.ts';

const tags = ['notifications'];

/** A Last-Event-ID or `after` that is a seq; anything else starts from now. */
const seqOf = (raw: unknown): number | undefined => {
  const value = Number(Array.isArray(raw) ? raw[0] : raw);
  return Number.isSafeInteger(value) && value >= 0 ? value : undefined;
};

const frame = (f: NotificationFrame) => JSON.stringify(f);

// One event reaches every socket of its user as the same object: it is written out once, not
// once per socket (a user with many devices, a dashboard in several tabs).
const written = new WeakMap<LoggedEvent, string>();
const eventFrame = (event: LoggedEvent) => {
  let text = written.get(event);
  if (text === undefined) {
    text = frame({ type: 'event', event });
    written.set(event, text);
  }
  return text;
};

/**
 * The user's notices: the log (GET /api/v1/notifications/log), a WebSocket per device that
 * resumes from the log (GET /api/v1/notifications/connect?after=SEQ), and the server-sent events
 * of before (GET /api/v1/notifications), which resume the same way from Last-Event-ID.
 */
export async function notificationRoutes(fastify: FastifyInstance) {
  const app = fastify.withTypeProvider<ZodTypeProvider>();
  // The notification sockets per device, so that a revoked device is cut off at once.
  const sockets = new Map<string, Set<WebSocket>>();
  const stopWatchingRevocations = app.notifier.subscribeAll((event) => {
    if (event.notice.type === 'device' && event.notice.event === 'revoked' && event.notice.deviceId)
      for (const socket of sockets.get(event.notice.deviceId) ?? []) socket.close(4001, 'device revoked');
  });
  app.addHook('onClose', async () => {
    stopWatchingRevocations();
    for (const set of sockets.values()) for (const socket of set) socket.close(1001, 'server stopping');
  });

  app.get(
    '/api/v1/notifications/log',
    {
      preValidation: app.requireAuth,
      schema: {
        tags,
        summary: "Read the account's notification log",
        description:
          "The account's logged events after the seq `after` (0: from the oldest kept), oldest first, at most `limit` (up to 1000), and `latest`, the newest seq. Page by asking again with the last seq seen. Each notice carries only metadata the server has anyway; what a device shows beyond it travels in `sealed`, which the server cannot open.",
        querystring: NotificationLogQuery,
        response: { 200: NotificationLog },
      },
    },
    async (request) => {
      const { after, limit } = request.query;
      return eventsAfter(app.pool, authOf(request).userId, after, limit);
    },
  );

  app.route({
    method: 'GET',
    url: '/api/v1/notifications/connect',
    preValidation: app.requireAuth,
    schema: {
      tags,
      summary: 'Open the notification WebSocket',
      description:
        "A device's live notices: a WebSocket (GET with `Upgrade: websocket`) over which the server sends JSON frames (NotificationFrame): with `after` (the seq of the last event seen), every logged event after it, then a `hello` with the newest seq, then each new event as it happens; without `after`, the `hello` and new events only. The client sends nothing. The token goes in `Authorization: Bearer`, or in a browser as the subprotocol `aura.bearer.<token>` beside `aura.v1`; docs/agent-websocket.md lists the frames and close codes.",
    },
    preHandler: async (request) => {
      checkUpgrade(request.headers);
      const after = (request.query as Record<string, unknown>).after;
      if (after !== undefined && seqOf(after) === undefined)
        throw new AuraError('AURA_INVALID_INPUT', '`after` must be the seq of the last event seen (an integer >= 0)');
    },
    handler: async () => {
      throw new AuraError('AURA_INVALID_INPUT', 'this route takes a WebSocket upgrade (GET with Upgrade: websocket)');
    },
    wsHandler: (socket, request) => {
      const { userId, deviceId } = authOf(request);
      const key = deviceId ?? `session:${userId}`;
      const set = sockets.get(key) ?? new Set();
      set.add(socket);
      sockets.set(key, set);
      const after = seqOf((request.query as Record<string, unknown>).after);
      let stop: (() => void) | undefined;
      let closed = false;
      socket.on('close', () => {
        closed = true;
        stop?.();
        set.delete(socket);
        if (set.size === 0) sockets.delete(key);
      });
      socket.on('message', () => {
        // Clients only listen; what they decide goes over HTTP, signed.
      });
      const send = (event: LoggedEvent) => {
        if (socket.readyState === socket.OPEN) socket.send(eventFrame(event));
      };
      // Without `after`, a new connection starts from now: the hello's `latest` is its cursor.
      const start = after ?? Number.MAX_SAFE_INTEGER;
      streamEvents(app.pool, app.notifier, userId, start, send).then(
        (stream) => {
          if (closed) return stream.stop();
          stop = stream.stop;
          socket.send(frame({ type: 'hello', deviceId, latest: stream.latest }));
        },
        (error: unknown) => {
          request.log.warn({ err: { message: (error as Error).message } }, 'the notification log could not be read');
          socket.close(1011, 'the notification log could not be read; reconnect');
        },
      );
    },
  });

  app.get(
    '/api/v1/notifications',
    {
      preValidation: app.requireAuth,
      schema: {
        tags,
        summary: 'Stream notices as server-sent events',
        description:
          'The same notices as the notification WebSocket, as a `text/event-stream` that stays open (a comment every 15 s keeps it alive). Each event has `id: <seq>`, `event: <notice type>` and the notice as `data`; send `Last-Event-ID` to resume after that seq, as EventSource does by itself. Kept for clients that cannot open a WebSocket.',
      },
    },
    async (request, reply) => {
      const { userId } = authOf(request);
      const after = seqOf(request.headers['last-event-id']);
      reply.hijack();
      const res = reply.raw;
      res.writeHead(200, {
        'content-type': 'text/event-stream',
        'cache-control': 'no-store',
        connection: 'keep-alive',
      });
      res.write(': connected\n\n');
      let open = true;
      let stop: (() => void) | undefined;
      // The timer must not keep a process alive on its own (a server closing, a test ending).
      const keepAlive = setInterval(() => res.write(': keep-alive\n\n'), 15_000).unref();
      const leave = () => {
        if (!open) return;
        open = false;
        clearInterval(keepAlive);
        stop?.();
      };
      // Whichever side ends first: the client leaving closes the request, a destroyed answer the response.
      request.raw.once('close', leave);
      res.once('close', leave);
      const send = (e: LoggedEvent) => {
        if (open) res.write(`id: ${e.seq}\nevent: ${e.notice.type}\ndata: ${JSON.stringify(e.notice)}\n\n`);
      };
      try {
        const stream = await streamEvents(app.pool, app.notifier, userId, after ?? Number.MAX_SAFE_INTEGER, send);
        if (open) stop = stream.stop;
        else stream.stop();
      } catch (error) {
        request.log.warn({ err: { message: (error as Error).message } }, 'the notification log could not be read');
        res.end();
      }
    },
  );
}
