import { createHash } from 'node:crypto';
import { leafHash, memoryTree, rangeHash } from '@aura/crypto/merkle';
import {
  AuditCheckpoint,
  AuditEntriesPage,
  AuditEntriesQuery,
  AuditLogKey,
  AuditReceipt,
  ClientAuditEvent,
  ConsistencyProofOut,
  ConsistencyQuery,
  canonicalJson,
  IntegrityReport,
  LogLeaves,
  LogLeavesQuery,
} from '@aura/protocol';
import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import type pg from 'pg';
import { z } from 'zod';
import { authOf } from '../auth/authenticate.ts';
import type { AuditLog } from './log.ts';
import type { LogSigner } from './signer.ts';

export function auditRoutes(pool: pg.Pool, log: AuditLog, signer: LogSigner) {
  return async (fastify: FastifyInstance) => {
    const app = fastify.withTypeProvider<ZodTypeProvider>();
    const tags = ['audit'];

    app.get(
      '/api/v1/audit/log-key',
      { preHandler: app.requireAuth, schema: { tags, response: { 200: AuditLogKey } } },
      async (request) => ({
        name: signer.name,
        publicKey: Buffer.from(signer.publicKey).toString('base64'),
        origin: signer.originFor(authOf(request).userId),
      }),
    );

    app.get(
      '/api/v1/audit/checkpoint',
      {
        preHandler: app.requireAuth,
        schema: {
          tags,
          querystring: z.strictObject({ size: z.coerce.number().int().min(1).optional() }),
          response: { 200: AuditCheckpoint },
        },
      },
      async (request) => log.checkpoint(authOf(request).userId, request.query.size),
    );

    app.get(
      '/api/v1/audit/consistency',
      {
        preHandler: app.requireAuth,
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
        preHandler: app.requireAuth,
        schema: { tags, querystring: AuditEntriesQuery, response: { 200: AuditEntriesPage } },
      },
      async (request) =>
        log.entries(authOf(request).userId, request.query.start, request.query.limit, request.query.treeSize),
    );

    app.get(
      '/api/v1/audit/leaves',
      { preHandler: app.requireAuth, schema: { tags, querystring: LogLeavesQuery, response: { 200: LogLeaves } } },
      async (request) => {
        return log.leaves(authOf(request).userId, request.query.start, request.query.limit);
      },
    );

    // Events only a client sees (a key rotation), appended like any other.
    app.post(
      '/api/v1/audit/entries',
      { preHandler: app.requireAuth, schema: { tags, body: ClientAuditEvent, response: { 201: AuditReceipt } } },
      async (request, reply) => {
        const auth = authOf(request);
        const receipt = await log.append(auth.userId, {
          eventType: request.body.eventType,
          actorId: auth.deviceId ?? auth.userId,
          actorType: auth.deviceId ? 'device' : 'user',
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

    // The spec's verify_integrity(start, end), run by the server over its own rows. A client
    // must not rely on it (the server grades itself); clients verify proofs themselves.
    app.get(
      '/api/v1/audit/verify',
      {
        preHandler: app.requireAuth,
        schema: {
          tags,
          querystring: z.strictObject({
            start: z.coerce.number().int().min(0).default(0),
            end: z.coerce.number().int().min(0).optional(),
          }),
          response: { 200: IntegrityReport },
        },
      },
      async (request) => {
        const userId = authOf(request).userId;
        const { size } = await log.checkpoint(userId).catch(() => ({ size: 0 }));
        const { rows } = await pool.query<{ idx: string; leaf_input: Buffer }>(
          'SELECT idx, leaf_input FROM audit_entries WHERE user_id = $1 ORDER BY idx',
          [userId],
        );
        const issues: { type: string; entryId: string | null; detail: string }[] = [];
        let previous = '';
        const end = Math.min(request.query.end ?? size, size);
        rows.forEach((row, i) => {
          const entry = JSON.parse(row.leaf_input.toString('utf8'));
          if (Number(row.idx) !== i)
            issues.push({ type: 'gap', entryId: entry.entryId, detail: `index ${row.idx} at position ${i}` });
          if (canonicalJson(entry) !== row.leaf_input.toString('utf8')) {
            issues.push({ type: 'tampered_entry', entryId: entry.entryId, detail: 'not in canonical form' });
          }
          if (entry.previousHash !== previous)
            issues.push({ type: 'broken_chain', entryId: entry.entryId, detail: `expected ${previous}` });
          previous = createHash('sha256').update(row.leaf_input).digest('hex');
        });
        const root = rangeHash(memoryTree(rows.map((r) => leafHash(r.leaf_input))), 0, rows.length);
        if (rows.length !== size)
          issues.push({
            type: 'size_mismatch',
            entryId: null,
            detail: `${rows.length} entries, checkpoint says ${size}`,
          });
        return {
          valid: issues.length === 0,
          issues,
          entriesChecked: Math.max(0, end - request.query.start),
          merkleRoot: Buffer.from(root).toString('base64'),
          treeSize: size,
        };
      },
    );
  };
}
