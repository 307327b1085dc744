import {
  type Collection,
  LearnRequest,
  LearnResponse,
  ListQuery,
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
import type pg from 'pg';
import { authOf } from '../auth/authenticate.ts';
import { VaultRepository } from './repository.ts';

const BASE: Record<Collection, string> = {
  contexts: '/api/v1/context',
  relationships: '/api/v1/relationships',
  'learning-events': '/api/v1/learning-events',
};

/** The vault API of one collection; every route needs a token and sees only its user's rows. */
export function vaultRoutes(pool: pg.Pool, collection: Collection) {
  const repo = new VaultRepository(pool, collection);
  const base = BASE[collection];
  const tags = [collection];

  return async (fastify: FastifyInstance) => {
    const app = fastify.withTypeProvider<ZodTypeProvider>();
    app.addHook('preHandler', app.requireAuth);

    app.post(base, { schema: { tags, body: RecordInput, response: { 201: StoredRecord } } }, async (request, reply) => {
      const { id, ...fields } = request.body;
      return reply.code(201).send(await repo.create(authOf(request).userId, id, fields));
    });

    app.post(
      `${base}/learn`,
      { schema: { tags, body: LearnRequest, response: { 200: LearnResponse } } },
      async (request) => {
        const { id, ...fields } = request.body.record;
        return repo.learn(authOf(request).userId, id, fields, request.body.matchTokens);
      },
    );

    app.get(base, { schema: { tags, querystring: ListQuery, response: { 200: RecordPage } } }, async (request) => {
      const { includeExpired, ...rest } = request.query;
      return repo.list(authOf(request).userId, { ...rest, includeExpired: includeExpired === 'true' });
    });

    app.post(
      `${base}/search`,
      { schema: { tags, body: SearchRequest, response: { 200: RecordPage } } },
      async (request) =>
        repo.search(authOf(request).userId, request.body.tokens, request.body.mode, request.body.limit),
    );

    app.post(`${base}/purge-expired`, { schema: { tags, response: { 200: PurgeResponse } } }, async (request) => ({
      purged: await repo.purgeExpired(authOf(request).userId),
    }));

    app.get(`${base}/:id`, { schema: { tags, params: RecordId, response: { 200: StoredRecord } } }, async (request) =>
      repo.get(authOf(request).userId, request.params.id),
    );

    app.put(
      `${base}/:id`,
      { schema: { tags, params: RecordId, body: RecordUpdate, response: { 200: StoredRecord } } },
      async (request) => {
        const { version, ...fields } = request.body;
        return repo.update(authOf(request).userId, request.params.id, version, fields);
      },
    );

    app.delete(`${base}/:id`, { schema: { tags, params: RecordId } }, async (request, reply) => {
      await repo.delete(authOf(request).userId, request.params.id);
      return reply.code(204).send();
    });
  };
}
