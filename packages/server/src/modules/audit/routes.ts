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
  INTEGRITY_FAILURE_KINDS,
  IntegrityFailure,
  IntegrityQuery,
  IntegrityReport,
  LogLeaves,
  LogLeavesQuery,
  NoContent,
} from '@aura/protocol';
import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { Counter } from 'prom-client';
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
    {
      preValidation: app.requireAuth,
      schema: {
        tags,
        summary: "Get the key that signs this account's log checkpoints",
        description:
          "The name and Ed25519 public key of the server's log signer and this account's log origin: what a client needs to check the signed checkpoints of its audit log. A client pins them at first use, so a key that changes later is noticed. `rotations` are the key's rotations, oldest first, each signed by the key it retired: a client that pinned an older key accepts the new one only through them.",
        response: { 200: AuditLogKey },
      },
    },
    async (request) => ({
      name: signer.name,
      publicKey: toBase64(signer.publicKey),
      origin: signer.originFor(authOf(request).userId),
      rotations: signer.rotations,
    }),
  );

  app.get(
    '/api/v1/audit/checkpoint',
    {
      preValidation: app.requireAuth,
      schema: {
        tags,
        summary: 'Get a signed checkpoint of the audit log',
        description:
          "The account's audit log is an append-only Merkle tree; a checkpoint is the server's signed note of its size and root hash. Without `size` the answer is the newest checkpoint; with it, the one signed at that size. Appends that arrive together are signed as one batch, so not every size has a checkpoint: AURA_NOT_FOUND when the log is empty or none was signed at that size.",
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
      schema: {
        tags,
        summary: 'Prove that the log only grew between two sizes',
        description:
          'A Merkle consistency proof from the tree of `from` entries to the tree of `to` entries. A client that verified a checkpoint before checks it against a newer one with this proof: a server that rewrote, removed or forked history cannot make one that verifies.',
        querystring: ConsistencyQuery,
        response: { 200: ConsistencyProofOut },
      },
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
      schema: {
        tags,
        summary: 'Read audit entries with their inclusion proofs',
        description:
          "A page of the account's audit entries from index `start` (at most `limit`, up to 500), each with its inclusion proof in the tree of `treeSize` entries (the newest checkpoint's size by default). Page by asking again from the last index plus one. Sensitive details in an entry are sealed to the account's audit key, which the server cannot open.",
        querystring: AuditEntriesQuery,
        response: { 200: AuditEntriesPage },
      },
    },
    async (request) =>
      log.entries(authOf(request).userId, request.query.start, request.query.limit, request.query.treeSize),
  );

  app.get(
    '/api/v1/audit/leaves',
    {
      preValidation: app.requireAuth,
      schema: {
        tags,
        summary: 'Read raw log leaves from an index',
        description:
          "The log's leaves from index `start` (at most `limit`, up to 2000) up to the newest checkpoint, with that checkpoint. A client extends its own copy of the tree with them and replays the signed vault and device changes they hold. Page by asking again from the last index plus one.",
        querystring: LogLeavesQuery,
        response: { 200: LogLeaves },
      },
    },
    async (request) => {
      return log.leaves(authOf(request).userId, request.query.start, request.query.limit);
    },
  );

  // Events only a client sees (a key rotation), appended like any other.
  app.post(
    '/api/v1/audit/entries',
    {
      preValidation: app.requireAuth,
      schema: {
        tags,
        summary: 'Append an event that only a client sees',
        description:
          "Appends an event that happens on a device (a key rotation) to the account's audit log, in the caller's name. Details go in `sealedMetadata`, sealed by the client; the server stores them as they are. The answer is a receipt: the entry's index, a signed checkpoint of a tree that holds it (appends that arrive together share one, so its size may pass the entry's) and the entry's inclusion proof in that tree.",
        body: ClientAuditEvent,
        response: { 201: AuditReceipt },
      },
    },
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
        summary: "Run the server's own integrity check of the log",
        description:
          'The server checks its stored audit rows (indexes without gaps, canonical entries, the hash chain, the Merkle root) and reports what it finds. It grades itself, so a client must not rely on it: clients verify checkpoints and proofs themselves. `start` and `end` bound the range reported as checked.',
        querystring: IntegrityQuery,
        response: { 200: IntegrityReport },
      },
    },
    async (request) => integrityReport(app, authOf(request).userId, request.query.start, request.query.end),
  );

  // Counted, never stored: an operator's alert that someone changed what this server holds.
  const failures = new Counter({
    name: 'aura_client_integrity_failures_total',
    help: 'Answers of this server that a client refused as tampering, by what it checked',
    labelNames: ['kind'],
    registers: [app.metricsRegistry],
  });
  for (const kind of INTEGRITY_FAILURE_KINDS) failures.inc({ kind }, 0);
  app.post(
    '/api/v1/audit/integrity-failures',
    {
      preValidation: app.requireAuth,
      schema: {
        tags,
        summary: 'Report that a device refused this server as tampered',
        description:
          "A device that refused the server's answers (an audit log that does not extend its checkpoint, a vault record rolled back, a device list changed, KDF parameters edited) says so here, with the kind only. The server counts it in `aura_client_integrity_failures_total{kind}` for the operator's alerts and stores nothing. Answers 204.",
        body: IntegrityFailure,
        response: { 204: NoContent },
      },
    },
    async (request, reply) => {
      failures.inc({ kind: request.body.kind });
      return reply.code(204).send();
    },
  );
}
