import { AuraError } from '@aura/errors';
import {
  DeviceCertificate,
  DeviceList,
  DeviceRevocation,
  EnrollmentApproval,
  EnrollmentClaim,
  EnrollmentClaimResponse,
  EnrollmentCreated,
  EnrollmentRequest,
  LOG_SIZE_HEADER,
  OkResponse,
  PendingEnrollments,
  RecordId,
} from '@aura/protocol';
import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { fromBase64, toBase64 } from '../../base64.ts';
import { authOf } from '../auth/authenticate.ts';
import { approveEnrollment, claimEnrollment, listEnrollments, requestEnrollment } from './enrollment.ts';
import { listDevices, setCertificate } from './repository.ts';
import { revokeDevice } from './revocation.ts';

const tags = ['devices'];

/** The device list, revocation and enrollment. */
export async function deviceRoutes(fastify: FastifyInstance) {
  const app = fastify.withTypeProvider<ZodTypeProvider>();

  app.get(
    '/api/v1/devices',
    {
      preValidation: app.requireAuth,
      schema: {
        tags,
        summary: "List the account's devices",
        description:
          "Every device of the account, revoked ones included, with its public keys and the certificate the account's devices made for it (the server cannot make one). Clients check this list against the device history signed into the audit log; the `aura-log-size` header gives the log's size in the same snapshot, so a client knows how far to check.",
        response: { 200: DeviceList },
      },
    },
    async (request, reply) => {
      const { devices, logSize } = await listDevices(app.pool, authOf(request).userId);
      reply.header(LOG_SIZE_HEADER, logSize);
      return {
        devices: devices.map((d) => ({
          id: d.id,
          name: d.name,
          sealingPublicKey: toBase64(d.sealing_public_key),
          signingPublicKey: toBase64(d.signing_public_key),
          createdAt: d.created_at.toISOString(),
          revokedAt: d.revoked_at?.toISOString() ?? null,
          certificate: d.certificate ? toBase64(d.certificate) : null,
        })),
      };
    },
  );
  app.delete(
    '/api/v1/devices/:id',
    {
      preValidation: app.requireAuth,
      schema: {
        tags,
        summary: 'Revoke a device',
        description:
          'Revokes a device of the account with a "device revoke" statement signed by an active enrolled device (AURA_DEVICE_REQUIRED from a session without one). The device\'s sessions end, its agent socket and notification socket are closed at once and the work it had claimed is released to other agents. The last active device cannot be revoked (AURA_LAST_DEVICE), so the account always keeps a device that can approve new ones.',
        params: RecordId,
        body: DeviceRevocation,
        response: { 200: OkResponse },
      },
    },
    async (request) => revokeDevice(app, authOf(request), request.params.id, request.body),
  );
  app.post(
    '/api/v1/devices/enrollments',
    {
      schema: {
        tags,
        summary: 'Ask to enroll a new device',
        description:
          "Called without a token by a new device: it names the account's email, its public keys and the hash of a claim secret only it holds, and gets an enrollment id valid for ten minutes. The answer is the same whether or not the email has an account; when it has, the account's devices are notified so one of them can approve. The new device then polls the claim route.",
        body: EnrollmentRequest,
        response: { 201: EnrollmentCreated },
      },
    },
    async (request, reply) => reply.code(201).send(await requestEnrollment(app, request.body)),
  );
  app.get(
    '/api/v1/devices/enrollments',
    {
      preValidation: app.requireAuth,
      schema: {
        tags,
        summary: 'List enrollments waiting for approval',
        description:
          "The enrollment requests made for this account's email that are not approved or expired yet, with the new devices' public keys. An enrolled device shows them so the user can compare the codes on both screens before approving one.",
        response: { 200: PendingEnrollments },
      },
    },
    async (request) => listEnrollments(app, authOf(request).userId),
  );
  app.post(
    '/api/v1/devices/enrollments/:id/approve',
    {
      preValidation: app.requireAuth,
      schema: {
        tags,
        summary: 'Approve a new device',
        description:
          'Called by an enrolled device: it sends the account key sealed to the new device\'s public key, its signature over the enrollment and a signed "device add" statement. The server checks the statement against the approver\'s key and adds the device; it relays the sealed key and cannot open it. A session without a device cannot approve (AURA_UNAUTHENTICATED).',
        params: RecordId,
        body: EnrollmentApproval,
        response: { 200: OkResponse },
      },
    },
    async (request) => approveEnrollment(app, authOf(request), request.params.id, request.body),
  );
  app.post(
    '/api/v1/devices/enrollments/:id/claim',
    {
      schema: {
        tags,
        summary: 'Collect an approved enrollment',
        description:
          "Polled without a token by the new device, which proves it asked by sending the claim secret. Until a device approves, the answer is `pending`; once approved, it carries the account key sealed to the new device, the approver's signature to check and a first session's tokens. An approval is collected once; a wrong secret answers AURA_NOT_FOUND, as an unknown id does.",
        params: RecordId,
        body: EnrollmentClaim,
        response: { 200: EnrollmentClaimResponse },
      },
    },
    async (request) => claimEnrollment(app, request.params.id, request.body),
  );
  // The certificate a device stores for itself (clients check it against the account key).
  app.put(
    '/api/v1/devices/:id/certificate',
    {
      preValidation: app.requireAuth,
      schema: {
        tags,
        summary: "Store a device's certificate",
        description:
          "Stores the certificate of an active device of the account: an HMAC made by a device with the account's device-certificate key, which the server cannot make or check. Clients compare it with the device list to notice a device the server inserted.",
        params: RecordId,
        body: DeviceCertificate,
        response: { 200: OkResponse },
      },
    },
    async (request) => {
      const stored = await setCertificate(
        app.pool,
        authOf(request).userId,
        request.params.id,
        fromBase64(request.body.certificate),
      );
      if (!stored) throw new AuraError('AURA_NOT_FOUND', 'no such active device in this account');
      return { ok: true as const };
    },
  );
}
