import {
  AuditCheckpoint,
  AuditEntriesPage,
  AuditEntriesQuery,
  AuditLogKey,
  AuditReceipt,
  CheckpointQuery,
  ClientAuditEvent,
  ConsistencyProofOut,
  ConsistencyQuery,
  IntegrityQuery,
  IntegrityReport,
  LogLeaves,
  LogLeavesQuery,
} from '@aura/protocol';
import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { toBase64 } from '../../base64.ts';
import { actorOf, authOf } from '../auth/authenticate.ts';
import { integrityReport } from './integrity.ts';

/** The user's log: its key, checkpoints, proofs, entries and leaves, and client-side events. */
export async function auditRoutes(fastify: FastifyInstance) {
  const app = fastify.withTypeProvider<ZodTypeProvider>();
  const log = app.audit;
  const signer = app.auditSigner;
  const tags = ['audit'];

  app.get(
    '/api/v1/audit/log-key',
    { preValidation: app.requireAuth, schema: { tags, response: { 200: AuditLogKey } } },
    async (request) => ({
      name: signer.name,
      publicKey: toBase64(signer.publicKey),
      origin: signer.originFor(authOf(request).userId),
    }),
  );

  app.get(
    '/api/v1/audit/checkpoint',
    {
      preValidation: app.requireAuth,
      schema: {
        tags,
        querystring: CheckpointQuery,
        response: { 200: AuditCheckpoint },
      },
    },
    async (request) => log.checkpoint(authOf(request).userId, request.query.size),
  );

  app.get(
    '/api/v1/audit/consistency',
    {
      preValidation: app.requireAuth,
      schema: { tags, querystring: ConsistencyQuery, response: { 200: ConsistencyProofOut } },
    },
    async (request) => ({
      from: request.query.from,
      to: request.query.to,
      proof: await log.consistency(authOf(request).userId, request.query.from, request.query.to),
    }),
  );

  app.get(
    '/api/v1/audit/entries',
    {
      preValidation: app.requireAuth,
      schema: { tags, querystring: AuditEntriesQuery, response: { 200: AuditEntriesPage } },
    },
    async (request) =>
      log.entries(authOf(request).userId, request.query.start, request.query.limit, request.query.treeSize),
  );

  app.get(
    '/api/v1/audit/leaves',
    { preValidation: app.requireAuth, schema: { tags, querystring: LogLeavesQuery, response: { 200: LogLeaves } } },
    async (request) => {
      return log.leaves(authOf(request).userId, request.query.start, request.query.limit);
    },
  );

  // Events only a client sees (a key rotation), appended like any other.
  app.post(
    '/api/v1/audit/entries',
    { preValidation: app.requireAuth, schema: { tags, body: ClientAuditEvent, response: { 201: AuditReceipt } } },
    async (request, reply) => {
      const auth = authOf(request);
      const receipt = await log.append(auth.userId, {
        eventType: request.body.eventType,
        ...actorOf(auth),
        targetId: request.body.targetId ?? null,
        action: request.body.action,
        result: request.body.result,
        ...(request.body.sealedMetadata ? { sealedMetadata: request.body.sealedMetadata } : {}),
      });
      return reply
        .code(201)
        .send({ index: receipt.index, checkpoint: receipt.checkpoint, inclusionProof: receipt.inclusionProof });
    },
  );

  app.get(
    '/api/v1/audit/verify',
    {
      preValidation: app.requireAuth,
      schema: {
        tags,
        querystring: IntegrityQuery,
        response: { 200: IntegrityReport },
      },
    },
    async (request) => integrityReport(app, authOf(request).userId, request.query.start, request.query.end),
  );
}
