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
    { preValidation: app.requireAuth, schema: { tags, response: { 200: DeviceList } } },
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
      schema: { tags, params: RecordId, body: DeviceRevocation, response: { 200: OkResponse } },
    },
    async (request) => revokeDevice(app, authOf(request), request.params.id, request.body),
  );
  app.post(
    '/api/v1/devices/enrollments',
    { schema: { tags, body: EnrollmentRequest, response: { 201: EnrollmentCreated } } },
    async (request, reply) => reply.code(201).send(await requestEnrollment(app, request.body)),
  );
  app.get(
    '/api/v1/devices/enrollments',
    { preValidation: app.requireAuth, schema: { tags, response: { 200: PendingEnrollments } } },
    async (request) => listEnrollments(app, authOf(request).userId),
  );
  app.post(
    '/api/v1/devices/enrollments/:id/approve',
    {
      preValidation: app.requireAuth,
      schema: { tags, params: RecordId, body: EnrollmentApproval, response: { 200: OkResponse } },
    },
    async (request) => approveEnrollment(app, authOf(request), request.params.id, request.body),
  );
  app.post(
    '/api/v1/devices/enrollments/:id/claim',
    { schema: { tags, params: RecordId, body: EnrollmentClaim, response: { 200: EnrollmentClaimResponse } } },
    async (request) => claimEnrollment(app, request.params.id, request.body),
  );
  // The certificate a device stores for itself (clients check it against the account key).
  app.put(
    '/api/v1/devices/:id/certificate',
    {
      preValidation: app.requireAuth,
      schema: {
        tags,
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
