import { AuraError } from '@aura/errors';
import type { DeviceRevocation } from '@aura/protocol';
import type { FastifyInstance } from 'fastify';
import { toBase64 } from '../../base64.ts';
import { withTransaction } from '../../db/transaction.ts';
import { checkDeviceChange } from '../../history/signed-change.ts';
import { actorOf } from '../auth/authenticate.ts';
import type { AuthContext } from '../auth/tokens.ts';
import { notFound } from './enrollment.ts';
import {
  activeDeviceCount,
  lockDeviceList,
  markRevoked,
  releaseAgentWork,
  releaseRevokedDevice,
  signerKey,
} from './repository.ts';

/**
 * Revokes a device with a statement signed by an active device of the account, so every client
 * can check the revocation; its sessions end and its agent is cut off at once. The last active
 * device cannot be revoked (AURA_LAST_DEVICE): docs/decisions/0011-no-self-lockout.md.
 */
export async function revokeDevice(app: FastifyInstance, auth: AuthContext, deviceId: string, body: DeviceRevocation) {
  const { userId } = auth;
  const change = body.change;
  await withTransaction(app.pool, async (client) => {
    await lockDeviceList(client, userId);
    const target = await markRevoked(client, userId, deviceId);
    if (!target) throw notFound();
    // Every change to the account needs a signature by an active device: with none left, no
    // device could ever be enrolled again and the account would be locked for good.
    if ((await activeDeviceCount(client, userId)) === 0)
      throw new AuraError(
        'AURA_LAST_DEVICE',
        'this is the last active device of the account: enroll another device first (aura device enroll on it, then approve it here), then revoke this one',
      );
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
    await releaseAgentWork(client, userId, deviceId);
  });
  app.agentHub.closeDevice(userId, deviceId);
  void app.notifier.publish(userId, { type: 'device', event: 'revoked', deviceId });
  return { ok: true as const };
}
