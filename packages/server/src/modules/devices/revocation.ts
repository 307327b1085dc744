import { AuraError } from '@aura/errors';
import type { DeviceRevocation } from '@aura/protocol';
import type { FastifyInstance } from 'fastify';
import { toBase64 } from '../../base64.ts';
import { withTransaction } from '../../db/transaction.ts';
import { checkDeviceChange } from '../../history/signed-change.ts';
import { actorOf } from '../auth/authenticate.ts';
import type { AuthContext } from '../auth/tokens.ts';
import { notFound } from './enrollment.ts';
import { markRevoked, releaseAgentWork, releaseRevokedDevice, signerKey } from './repository.ts';

/**
 * Revokes a device with a statement signed by an active device of the account, so every client
 * can check the revocation; its sessions end and its agent is cut off at once.
 */
export async function revokeDevice(app: FastifyInstance, auth: AuthContext, deviceId: string, body: DeviceRevocation) {
  const { userId } = auth;
  const change = body.change;
  await withTransaction(app.pool, async (client) => {
    const target = await markRevoked(client, userId, deviceId);
    if (!target) throw notFound();
    const signer = auth.deviceId;
    const key = await signerKey(client, userId, signer, deviceId);
    if (!signer || !key) {
      throw new AuraError('AURA_DEVICE_REQUIRED', 'a signed revocation needs a session of an enrolled device');
    }
    checkDeviceChange(
      change,
      {
        op: 'revoke',
        deviceId,
        signingPublicKey: toBase64(target.signing_public_key),
        sealingPublicKey: toBase64(target.sealing_public_key),
        by: signer,
      },
      key,
    );
    await releaseRevokedDevice(client, deviceId);
    await app.audit.append(
      userId,
      {
        eventType: 'device',
        ...actorOf(auth),
        targetId: deviceId,
        action: 'revoke',
        result: 'success',
        signed: change,
      },
      client,
    );
    await releaseAgentWork(client, deviceId);
  });
  app.agentHub.closeDevice(userId, deviceId);
  return { ok: true as const };
}
