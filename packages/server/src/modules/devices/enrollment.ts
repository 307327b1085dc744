import { createHash, randomUUID, timingSafeEqual } from 'node:crypto';
import { AuraError } from '@aura/errors';
import { type EnrollmentApproval, type EnrollmentClaim, type EnrollmentRequest, normalizeEmail } from '@aura/protocol';
import type { FastifyInstance } from 'fastify';
import { fromBase64, toBase64 } from '../../base64.ts';
import { withTransaction } from '../../db/transaction.ts';
import { checkDeviceChange } from '../../history/signed-change.ts';
import { userByEmail } from '../auth/repository.ts';
import { createSession } from '../auth/sessions.ts';
import type { AuthContext } from '../auth/tokens.ts';
import {
  claimableEnrollment,
  insertEnrolledDevice,
  insertEnrollment,
  lockPendingEnrollment,
  markClaimed,
  pendingEnrollments,
  recordApproval,
  signerKey,
} from './repository.ts';

/**
 * Enrollment: the server never sees the account key. An enrolled device seals it to the new
 * device's public key, and the new device checks the approver's signature (M8).
 */
const ENROLLMENT_SECONDS = 10 * 60;
export const notFound = () => new AuraError('AURA_NOT_FOUND', 'no such device or enrollment in this account');

/** Asked by the new device, which has no credentials yet: the same answer whether or not the email has an account (M16). */
export async function requestEnrollment(app: FastifyInstance, body: EnrollmentRequest) {
  const id = randomUUID();
  const expiresAt = await insertEnrollment(app.pool, {
    id,
    email: normalizeEmail(body.email),
    name: body.name ?? null,
    sealingPublicKey: fromBase64(body.sealingPublicKey),
    signingPublicKey: fromBase64(body.signingPublicKey),
    claimSecretHash: fromBase64(body.claimSecretHash),
    seconds: ENROLLMENT_SECONDS,
  });
  // The account's devices hear of it (to approve it there); looked up after the answer is
  // decided, so the answer takes as long whether or not the email has an account.
  setImmediate(() => announceEnrollment(app, normalizeEmail(body.email), id));
  return { enrollmentId: id, expiresAt: (expiresAt ?? new Date()).toISOString() };
}

function announceEnrollment(app: FastifyInstance, email: string, enrollmentId: string) {
  userByEmail(app.pool, email).then(
    (user) => {
      if (user) void app.notifier.publish(user.id, { type: 'device', event: 'enrollment_requested', enrollmentId });
    },
    (error: unknown) => app.log.warn({ err: { message: (error as Error).message } }, 'an enrollment was not announced'),
  );
}

export async function listEnrollments(app: FastifyInstance, userId: string) {
  return {
    enrollments: (await pendingEnrollments(app.pool, userId)).map((e) => ({
      id: e.id,
      name: e.name,
      sealingPublicKey: toBase64(e.sealing_public_key),
      signingPublicKey: toBase64(e.signing_public_key),
      createdAt: e.created_at.toISOString(),
      expiresAt: e.expires_at.toISOString(),
    })),
  };
}

export async function approveEnrollment(
  app: FastifyInstance,
  auth: AuthContext,
  enrollmentId: string,
  body: EnrollmentApproval,
) {
  if (!auth.deviceId) {
    throw new AuraError('AURA_UNAUTHENTICATED', 'only an enrolled device can approve another; log in from one');
  }
  const signerDevice = auth.deviceId; // narrowed above; the closure below keeps it
  await withTransaction(app.pool, async (client) => {
    const enrollment = await lockPendingEnrollment(client, auth.userId, enrollmentId);
    if (!enrollment) throw notFound();
    const change = body.change;
    // The new device's id is the enrollment's, so the approver could sign its addition.
    const deviceId = enrollment.id;
    const approverKey = await signerKey(client, auth.userId, signerDevice);
    if (!approverKey) throw new AuraError('AURA_SESSION_REVOKED', 'the approving device was revoked');
    const statement = checkDeviceChange(
      change,
      {
        op: 'add',
        deviceId,
        signingPublicKey: toBase64(enrollment.signing_public_key),
        sealingPublicKey: toBase64(enrollment.sealing_public_key),
        by: signerDevice,
      },
      approverKey,
    );
    await insertEnrolledDevice(client, auth.userId, enrollment, fromBase64(statement.certificate));
    await recordApproval(client, {
      enrollmentId,
      approver: signerDevice,
      signature: fromBase64(body.signature),
      sealedAccountKey: fromBase64(body.sealedAccountKey),
      deviceId,
    });
    await app.audit.append(
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
  // The enrollment's id is the new device's.
  void app.notifier.publish(auth.userId, { type: 'device', event: 'enrolled', deviceId: enrollmentId });
  return { ok: true as const };
}

/** The new device proves it holds the claim secret and, once approved, gets its session and sealed key. */
export async function claimEnrollment(app: FastifyInstance, enrollmentId: string, body: EnrollmentClaim) {
  const e = await claimableEnrollment(app.pool, enrollmentId);
  const hash = createHash('sha256').update(fromBase64(body.claimSecret)).digest();
  if (!e || !timingSafeEqual(hash, e.claim_secret_hash)) throw notFound();
  if (!e.approved_by_device || !e.user_id) return { status: 'pending' as const };
  if (!(await markClaimed(app.pool, e.id))) throw notFound();
  const tokens = await createSession(app.config, app.serverKeys, app.pool, {
    userId: e.user_id,
    deviceId: e.device_id,
    K: e.claim_secret_hash,
    kdf: { seed: toBase64(e.kdf_seed), params: e.kdf_params },
  });
  return {
    status: 'approved' as const,
    userId: e.user_id,
    deviceId: e.device_id as string,
    approverDeviceId: e.approved_by_device,
    signature: toBase64(e.approval_signature as Buffer),
    sealedAccountKey: toBase64(e.sealed_account_key as Buffer),
    accountKeyId: toBase64(e.account_key_id),
    tokens,
  };
}
