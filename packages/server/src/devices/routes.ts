import { createHash, randomUUID, timingSafeEqual } from 'node:crypto';
import { AuraError } from '@aura/errors';
import {
  DeviceList,
  DeviceRevocation,
  EnrollmentApproval,
  EnrollmentClaim,
  EnrollmentClaimResponse,
  EnrollmentCreated,
  EnrollmentRequest,
  LOG_SIZE_HEADER,
  normalizeEmail,
  OkResponse,
  PendingEnrollments,
  RecordId,
} from '@aura/protocol';
import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import type pg from 'pg';
import type { AuditLog } from '../audit/log.ts';
import { authOf } from '../auth/authenticate.ts';
import type { ServerKeys } from '../auth/server-keys.ts';
import { createSession } from '../auth/sessions.ts';
import type { ServerConfig } from '../config.ts';
import { withTransaction } from '../db/transaction.ts';
import { certificateOf, checkDeviceChange } from '../history/signed-change.ts';

const ENROLLMENT_SECONDS = 10 * 60;
const b64 = (s: string) => Buffer.from(s, 'base64');
const iso = (d: Date | null) => d?.toISOString() ?? null;
const notFound = () => new AuraError('AURA_NOT_FOUND', 'no such device or enrollment in this account');

/**
 * Devices and enrollment. The server never sees the account key: an enrolled device seals it
 * to the new device's public key, and the new device checks the approver's signature (M8).
 */
export function deviceRoutes(
  config: ServerConfig,
  keys: ServerKeys,
  pool: pg.Pool,
  audit: AuditLog,
  /** Told when a device is revoked (its agent connection is closed). */
  onRevoke: (userId: string, deviceId: string) => void = () => {},
) {
  return async (fastify: FastifyInstance) => {
    const app = fastify.withTypeProvider<ZodTypeProvider>();
    const tags = ['devices'];

    app.get(
      '/api/v1/devices',
      { preHandler: app.requireAuth, schema: { tags, response: { 200: DeviceList } } },
      async (request, reply) => {
        // The log's size in the same snapshot: a client checks the list against its history as of then.
        const { rows } = await pool.query(
          `SELECT d.*, coalesce((SELECT size FROM audit_logs WHERE user_id = $1), 0)::int AS log_size
             FROM devices d WHERE user_id = $1 ORDER BY created_at, id`,
          [authOf(request).userId],
        );
        reply.header(LOG_SIZE_HEADER, rows[0]?.log_size ?? 0);
        return {
          devices: rows.map((d) => ({
            id: d.id,
            name: d.name,
            sealingPublicKey: d.sealing_public_key.toString('base64'),
            signingPublicKey: d.signing_public_key.toString('base64'),
            createdAt: d.created_at.toISOString(),
            revokedAt: iso(d.revoked_at),
            certificate: d.certificate ? d.certificate.toString('base64') : null,
          })),
        };
      },
    );

    app.delete(
      '/api/v1/devices/:id',
      {
        preHandler: app.requireAuth,
        schema: { tags, params: RecordId, body: DeviceRevocation, response: { 200: OkResponse } },
      },
      async (request) => {
        const { userId } = authOf(request);
        const change = request.body.change;
        await withTransaction(pool, async (client) => {
          const revoked = await client.query<{ sealing_public_key: Buffer; signing_public_key: Buffer }>(
            `UPDATE devices SET revoked_at = coalesce(revoked_at, now()) WHERE id = $1 AND user_id = $2
             RETURNING sealing_public_key, signing_public_key`,
            [request.params.id, userId],
          );
          const target = revoked.rows[0];
          if (!target) throw notFound();
          // Signed by an active device of the account, so every client can check the revocation.
          const signer = authOf(request).deviceId;
          const { rows } = await client.query<{ signing_public_key: Buffer }>(
            'SELECT signing_public_key FROM devices WHERE id = $1 AND user_id = $2 AND (revoked_at IS NULL OR id = $3) FOR SHARE',
            [signer, userId, request.params.id],
          );
          if (!signer || !rows[0]) {
            throw new AuraError('AURA_DEVICE_REQUIRED', 'a signed revocation needs a session of an enrolled device');
          }
          checkDeviceChange(
            change,
            {
              op: 'revoke',
              deviceId: request.params.id,
              signingPublicKey: target.signing_public_key.toString('base64'),
              sealingPublicKey: target.sealing_public_key.toString('base64'),
              by: signer,
            },
            rows[0].signing_public_key,
          );
          await client.query(
            "UPDATE sessions SET revoked_at = now(), revoked_reason = 'device-revoked' WHERE device_id = $1 AND revoked_at IS NULL",
            [request.params.id],
          );
          const auth = authOf(request);
          await audit.append(
            userId,
            {
              eventType: 'device',
              actorId: auth.deviceId ?? userId,
              actorType: auth.deviceId ? 'device' : 'user',
              targetId: request.params.id,
              action: 'revoke',
              result: 'success',
              signed: change,
            },
            client,
          );
          // Work addressed to its agent goes back to whichever agent asks next.
          await client.query('UPDATE task_steps SET dispatched_to = NULL WHERE dispatched_to = $1', [
            request.params.id,
          ]);
          await client.query(
            `UPDATE agent_requests SET claimed_by = NULL WHERE claimed_by = $1 AND status = 'queued'`,
            [request.params.id],
          );
        });
        onRevoke(userId, request.params.id);
        return { ok: true as const };
      },
    );

    // Asked by the new device, which has no credentials yet. The answer is the same whether
    // or not the email has an account (M16).
    app.post(
      '/api/v1/devices/enrollments',
      { schema: { tags, body: EnrollmentRequest, response: { 201: EnrollmentCreated } } },
      async (request, reply) => {
        const body = request.body;
        const id = randomUUID();
        const { rows } = await pool.query<{ expires_at: Date }>(
          `INSERT INTO device_enrollments (id, email, name, sealing_public_key, signing_public_key, claim_secret_hash, expires_at)
           VALUES ($1, $2, $3, $4, $5, $6, now() + make_interval(secs => $7)) RETURNING expires_at`,
          [
            id,
            normalizeEmail(body.email),
            body.name ?? null,
            b64(body.sealingPublicKey),
            b64(body.signingPublicKey),
            b64(body.claimSecretHash),
            ENROLLMENT_SECONDS,
          ],
        );
        return reply.code(201).send({ enrollmentId: id, expiresAt: (rows[0]?.expires_at ?? new Date()).toISOString() });
      },
    );

    app.get(
      '/api/v1/devices/enrollments',
      { preHandler: app.requireAuth, schema: { tags, response: { 200: PendingEnrollments } } },
      async (request) => {
        const { rows } = await pool.query(
          `SELECT e.* FROM device_enrollments e JOIN users u ON u.email = e.email
            WHERE u.id = $1 AND e.approved_by_device IS NULL AND e.expires_at > now() ORDER BY e.created_at`,
          [authOf(request).userId],
        );
        return {
          enrollments: rows.map((e) => ({
            id: e.id,
            name: e.name,
            sealingPublicKey: e.sealing_public_key.toString('base64'),
            signingPublicKey: e.signing_public_key.toString('base64'),
            createdAt: e.created_at.toISOString(),
            expiresAt: e.expires_at.toISOString(),
          })),
        };
      },
    );

    app.post(
      '/api/v1/devices/enrollments/:id/approve',
      {
        preHandler: app.requireAuth,
        schema: { tags, params: RecordId, body: EnrollmentApproval, response: { 200: OkResponse } },
      },
      async (request) => {
        const auth = authOf(request);
        if (!auth.deviceId) {
          throw new AuraError('AURA_UNAUTHENTICATED', 'only an enrolled device can approve another; log in from one');
        }
        const signerDevice = auth.deviceId; // narrowed above; the closures below keep it
        await withTransaction(pool, async (client) => {
          const { rows } = await client.query(
            `SELECT e.* FROM device_enrollments e JOIN users u ON u.email = e.email
            WHERE e.id = $1 AND u.id = $2 AND e.approved_by_device IS NULL AND e.expires_at > now() FOR UPDATE OF e`,
            [request.params.id, auth.userId],
          );
          const enrollment = rows[0];
          if (!enrollment) throw notFound();
          const change = request.body.change;
          // The new device's id is the enrollment's, so the approver could sign its addition.
          const deviceId = enrollment.id;
          const approver = await client.query<{ signing_public_key: Buffer }>(
            'SELECT signing_public_key FROM devices WHERE id = $1 AND user_id = $2 AND revoked_at IS NULL FOR SHARE',
            [signerDevice, auth.userId],
          );
          if (!approver.rows[0]) throw new AuraError('AURA_SESSION_REVOKED', 'the approving device was revoked');
          checkDeviceChange(
            change,
            {
              op: 'add',
              deviceId,
              signingPublicKey: enrollment.signing_public_key.toString('base64'),
              sealingPublicKey: enrollment.sealing_public_key.toString('base64'),
              by: signerDevice,
            },
            approver.rows[0].signing_public_key,
          );
          await client.query(
            `INSERT INTO devices (id, user_id, name, sealing_public_key, signing_public_key, certificate)
             VALUES ($1, $2, $3, $4, $5, $6)`,
            [
              deviceId,
              auth.userId,
              enrollment.name,
              enrollment.sealing_public_key,
              enrollment.signing_public_key,
              certificateOf(change),
            ],
          );
          await client.query(
            `UPDATE device_enrollments SET approved_by_device = $2, approval_signature = $3, sealed_account_key = $4, device_id = $5
            WHERE id = $1`,
            [
              request.params.id,
              auth.deviceId,
              b64(request.body.signature),
              b64(request.body.sealedAccountKey),
              deviceId,
            ],
          );
          await audit.append(
            auth.userId,
            {
              eventType: 'device',
              actorId: signerDevice,
              actorType: 'device',
              targetId: deviceId,
              action: 'enroll',
              result: 'success',
              sensitive: { name: enrollment.name },
              signed: change,
            },
            client,
          );
        });
        return { ok: true as const };
      },
    );

    app.post(
      '/api/v1/devices/enrollments/:id/claim',
      { schema: { tags, params: RecordId, body: EnrollmentClaim, response: { 200: EnrollmentClaimResponse } } },
      async (request) => {
        const { rows } = await pool.query(
          `SELECT e.*, u.id AS user_id, u.kdf_seed, u.kdf_params, u.account_key_id
             FROM device_enrollments e LEFT JOIN users u ON u.email = e.email
            WHERE e.id = $1 AND e.claimed_at IS NULL AND e.expires_at > now()`,
          [request.params.id],
        );
        const e = rows[0];
        const hash = createHash('sha256').update(b64(request.body.claimSecret)).digest();
        if (!e || !timingSafeEqual(hash, e.claim_secret_hash)) throw notFound();
        if (!e.approved_by_device || !e.user_id) return { status: 'pending' as const };
        const claimed = await pool.query(
          'UPDATE device_enrollments SET claimed_at = now() WHERE id = $1 AND claimed_at IS NULL',
          [e.id],
        );
        if (claimed.rowCount === 0) throw notFound();
        const tokens = await createSession(config, keys, pool, {
          userId: e.user_id,
          deviceId: e.device_id,
          K: e.claim_secret_hash,
          kdf: { seed: e.kdf_seed.toString('base64'), params: e.kdf_params },
        });
        return {
          status: 'approved' as const,
          userId: e.user_id,
          deviceId: e.device_id,
          approverDeviceId: e.approved_by_device,
          signature: e.approval_signature.toString('base64'),
          sealedAccountKey: e.sealed_account_key.toString('base64'),
          accountKeyId: e.account_key_id.toString('base64'),
          tokens,
        };
      },
    );
  };
}
