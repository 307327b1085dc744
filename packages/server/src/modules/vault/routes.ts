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

/** What one record of a collection is called in the API's documentation. */
const NOUN: Record<Collection, string> = {
  contexts: 'context record',
  relationships: 'relationship record',
  'learning-events': 'learning-event record',
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
  const noun = NOUN[collection];

  const app = fastify.withTypeProvider<ZodTypeProvider>();
  app.addHook('preValidation', app.requireAuth);

  app.post(
    base,
    {
      schema: {
        tags,
        summary: `Store an encrypted ${noun}`,
        description: `Stores a new ${noun} under an id the client chose (its envelope binds the id). The server keeps the ciphertext, nonce, blind search tokens and a SHA-256 checksum, which it checks, and cannot read the record. The write's device-signed change is checked and appended to the audit log in the same transaction (the \`aura-log-size\` header says where). An id used before, even by a deleted record, is AURA_CONFLICT, so a retried create never stores twice.`,
        body: RecordInput,
        response: { 201: StoredRecord },
      },
    },
    async (request, reply) => {
      const { id, ...fields } = request.body;
      const w = writer(request);
      const record = await repo.create(w, id, fields);
      return reply.code(201).headers(logged(w)).send(record);
    },
  );

  app.post(
    `${base}/learn`,
    {
      schema: {
        tags,
        summary: `Store a ${noun}, replacing an older one`,
        description: `The learn-and-merge write: stores a new ${noun} and, in the same transaction, deletes the one it replaces, which the client chose from its own search and whose deletion it signed. Without \`replace\` it is a plain create. Either both changes are stored and logged or neither is; a replaced record at another version is AURA_CONFLICT.`,
        body: LearnRequest,
        response: { 200: LearnResponse },
      },
    },
    async (request, reply) => {
      const { id, ...fields } = request.body.record;
      const w = writer(request);
      const result = await repo.learn(w, id, fields, request.body.replace);
      return reply.headers(logged(w)).send(result);
    },
  );

  app.get(
    base,
    {
      schema: {
        tags,
        summary: `List ${noun}s`,
        description: `A page of this account's ${noun}s as ciphertext, oldest first, at most \`limit\` (up to 500). \`nextCursor\` is an opaque cursor, bound to this account and collection: pass it as \`cursor\` for the next page; null means the last page. \`updatedSince\` keeps records changed since then, \`includeExpired=true\` shows expired ones, and \`logSince\` adds the audit log's entries after that size so the client can check the page in one round trip (\`aura-log-size\` gives the log's size in the same snapshot).`,
        querystring: ListQuery,
        response: { 200: RecordPage },
      },
    },
    async (request, reply) => {
      const { includeExpired, logSince, ...rest } = request.query;
      const { logSize, ...page } = await repo.list(authOf(request).userId, {
        ...rest,
        includeExpired: includeExpired === 'true',
      });
      return reply.header(LOG_SIZE_HEADER, logSize).send({ ...page, ...(await tail(request, logSince)) });
    },
  );

  app.post(
    `${base}/search`,
    {
      schema: {
        tags,
        summary: `Search ${noun}s by blind index tokens`,
        description: `Finds the live ${noun}s that carry all (\`mode: all\`) or any of the given search tokens, most recently updated first, at most \`limit\`. The tokens are keyed hashes the client computed from words, so the server matches them without learning the words (docs/blind-index-leakage.md says what it can infer). One page only: \`nextCursor\` is always null. \`logSince\` works as in the list.`,
        body: SearchRequest,
        response: { 200: RecordPage },
      },
    },
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

  app.post(
    `${base}/purge-expired`,
    {
      schema: {
        tags,
        summary: `Delete expired ${noun}s`,
        description: `Deletes this account's ${noun}s whose \`expiresAt\` has passed and answers how many went. Expired records are hidden from reads already; this frees their space. Their ids stay taken, as those of deleted records do.`,
        response: { 200: PurgeResponse },
      },
    },
    async (request) => ({
      purged: await repo.purgeExpired(authOf(request).userId),
    }),
  );

  // A miss answers 404 with the log's size too, so a client can tell a deletion from a hidden record.
  app.get(
    `${base}/:id`,
    {
      schema: {
        tags,
        summary: `Read one ${noun}`,
        description: `The ${noun} with this id, as ciphertext, if it belongs to this account and has not expired. The \`aura-log-size\` header gives the audit log's size in the same snapshot, on a miss (AURA_NOT_FOUND) too, so a client can tell a record deleted in the signed history from one the server hides.`,
        params: RecordId,
        response: { 200: StoredRecord },
      },
    },
    async (request, reply) => {
      const { record, logSize } = await repo.read(authOf(request).userId, request.params.id);
      reply.header(LOG_SIZE_HEADER, logSize);
      if (!record) throw new AuraError('AURA_NOT_FOUND', 'no such record in this account');
      return reply.send(record);
    },
  );

  app.put(
    `${base}/:id`,
    {
      schema: {
        tags,
        summary: `Replace a ${noun}'s ciphertext`,
        description: `Optimistic concurrency: the new ciphertext is stored only if \`version\` is the record's current version, which then goes up by one; otherwise AURA_CONFLICT names the current version, and the client reads, merges and retries. The device-signed change is checked and logged in the same transaction. The server cannot read either version.`,
        params: RecordId,
        body: RecordUpdate,
        response: { 200: StoredRecord },
      },
    },
    async (request, reply) => {
      const { version, ...fields } = request.body;
      const w = writer(request);
      const record = await repo.update(w, request.params.id, version, fields);
      return reply.headers(logged(w)).send(record);
    },
  );

  app.delete(
    `${base}/:id`,
    {
      schema: {
        tags,
        summary: `Delete a ${noun}`,
        description: `Deletes the ${noun} at the \`version\` the client read (AURA_CONFLICT if it changed since), with a device-signed deletion that is logged in the same transaction. The id is kept as a tombstone and cannot be used again. Answers 204 with no body.`,
        params: RecordId,
        body: DeleteRequest,
        response: { 204: NoContent },
      },
    },
    async (request, reply) => {
      const w = writer(request);
      await repo.delete(w, request.params.id, request.body);
      return reply.code(204).headers(logged(w)).send();
    },
  );
}
