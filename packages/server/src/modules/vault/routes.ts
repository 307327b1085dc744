import { AuraError } from '@aura/errors';
import {
  type Collection,
  DeleteRequest,
  LearnRequest,
  LearnResponse,
  ListQuery,
  LOG_SIZE_HEADER,
  NoContent,
  PurgeResponse,
  RecordId,
  RecordInput,
  RecordPage,
  RecordUpdate,
  SearchRequest,
  StoredRecord,
} from '@aura/protocol';
import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { authOf } from '../auth/authenticate.ts';
import { CursorCodec } from './cursor.ts';
import { VaultRepository, type Writer } from './repository.ts';

const BASE: Record<Collection, string> = {
  contexts: '/api/v1/context',
  relationships: '/api/v1/relationships',
  'learning-events': '/api/v1/learning-events',
};

/** The vault API of one collection; every route needs a token and sees only its user's rows. */
export async function vaultRoutes(fastify: FastifyInstance, options: { collection: Collection }) {
  const { collection } = options;
  const audit = fastify.audit;
  const repo = new VaultRepository(
    fastify.pool,
    collection,
    audit,
    new CursorCodec(fastify.serverKeys.cursorKey),
    fastify.blobCache,
  );
  const writer = (request: Parameters<typeof authOf>[0]): Writer => {
    const auth = authOf(request);
    return { userId: auth.userId, deviceId: auth.deviceId ?? null, logged: [] };
  };
  // Read after the records, so it reaches at least as far as the size they were read at.
  const tail = async (request: Parameters<typeof authOf>[0], since: number | undefined) => {
    if (since === undefined) return {};
    return { log: await audit.leaves(authOf(request).userId, since, 1000) };
  };
  // After a write: the log's size just after its last change, so the client can find them.
  const logged = (w: Writer) => (w.logged?.length ? { [LOG_SIZE_HEADER]: Math.max(...w.logged) + 1 } : {});
  const base = BASE[collection];
  const tags = [collection];

  const app = fastify.withTypeProvider<ZodTypeProvider>();
  app.addHook('preValidation', app.requireAuth);

  app.post(base, { schema: { tags, body: RecordInput, response: { 201: StoredRecord } } }, async (request, reply) => {
    const { id, ...fields } = request.body;
    const w = writer(request);
    const record = await repo.create(w, id, fields);
    return reply.code(201).headers(logged(w)).send(record);
  });

  app.post(
    `${base}/learn`,
    { schema: { tags, body: LearnRequest, response: { 200: LearnResponse } } },
    async (request, reply) => {
      const { id, ...fields } = request.body.record;
      const w = writer(request);
      const result = await repo.learn(w, id, fields, request.body.replace);
      return reply.headers(logged(w)).send(result);
    },
  );

  app.get(base, { schema: { tags, querystring: ListQuery, response: { 200: RecordPage } } }, async (request, reply) => {
    const { includeExpired, logSince, ...rest } = request.query;
    const { logSize, ...page } = await repo.list(authOf(request).userId, {
      ...rest,
      includeExpired: includeExpired === 'true',
    });
    return reply.header(LOG_SIZE_HEADER, logSize).send({ ...page, ...(await tail(request, logSince)) });
  });

  app.post(
    `${base}/search`,
    { schema: { tags, body: SearchRequest, response: { 200: RecordPage } } },
    async (request, reply) => {
      const { logSize, ...page } = await repo.search(
        authOf(request).userId,
        request.body.tokens,
        request.body.mode,
        request.body.limit,
      );
      return reply.header(LOG_SIZE_HEADER, logSize).send({ ...page, ...(await tail(request, request.body.logSince)) });
    },
  );

  app.post(`${base}/purge-expired`, { schema: { tags, response: { 200: PurgeResponse } } }, async (request) => ({
    purged: await repo.purgeExpired(authOf(request).userId),
  }));

  // A miss answers 404 with the log's size too, so a client can tell a deletion from a hidden record.
  app.get(
    `${base}/:id`,
    { schema: { tags, params: RecordId, response: { 200: StoredRecord } } },
    async (request, reply) => {
      const { record, logSize } = await repo.read(authOf(request).userId, request.params.id);
      reply.header(LOG_SIZE_HEADER, logSize);
      if (!record) throw new AuraError('AURA_NOT_FOUND', 'no such record in this account');
      return reply.send(record);
    },
  );

  app.put(
    `${base}/:id`,
    { schema: { tags, params: RecordId, body: RecordUpdate, response: { 200: StoredRecord } } },
    async (request, reply) => {
      const { version, ...fields } = request.body;
      const w = writer(request);
      const record = await repo.update(w, request.params.id, version, fields);
      return reply.headers(logged(w)).send(record);
    },
  );

  app.delete(
    `${base}/:id`,
    { schema: { tags, params: RecordId, body: DeleteRequest, response: { 204: NoContent } } },
    async (request, reply) => {
      const w = writer(request);
      await repo.delete(w, request.params.id, request.body);
      return reply.code(204).headers(logged(w)).send();
    },
  );
}
