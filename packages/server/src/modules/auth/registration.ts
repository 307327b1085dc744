import { randomUUID } from 'node:crypto';
import { AuraError } from '@aura/errors';
import { normalizeEmail, type RegisterRequest } from '@aura/protocol';
import type { FastifyInstance } from 'fastify';
import { fromBase64 } from '../../base64.ts';
import { withTransaction } from '../../db/transaction.ts';
import { checkDeviceChange } from '../../history/signed-change.ts';
import { insertFirstDevice, insertUser } from './repository.ts';

/**
 * A new account and its first device, logged in one transaction. The first device adds itself:
 * its self-signed statement opens the device list's history.
 */
export async function register(
  app: FastifyInstance,
  body: RegisterRequest,
  address: string,
): Promise<{ userId: string; deviceId: string }> {
  const userId = body.userId ?? randomUUID();
  const deviceId = body.device.id;
  const deviceChange = body.device.change;
  const statement = checkDeviceChange(
    deviceChange,
    {
      op: 'add',
      deviceId,
      signingPublicKey: body.device.signingPublicKey,
      sealingPublicKey: body.device.sealingPublicKey,
      by: deviceId,
    },
    fromBase64(body.device.signingPublicKey),
  );
  await withTransaction(app.pool, async (client) => {
    const created = await insertUser(client, {
      userId,
      email: normalizeEmail(body.email),
      kdfSeed: fromBase64(body.kdf.seed),
      kdfParams: body.kdf.params,
      srpVerifier: fromBase64(body.srpVerifier),
      wrappedAccountKey: fromBase64(body.accountKey.wrapped),
      accountKeyId: fromBase64(body.accountKey.id),
      auditPublicKey: body.auditPublicKey ? fromBase64(body.auditPublicKey) : null,
    });
    if (!created) {
      throw new AuraError('AURA_ACCOUNT_EXISTS', 'an account with this email already exists; log in instead');
    }
    const added = await insertFirstDevice(client, {
      id: deviceId,
      userId,
      name: body.device.name ?? null,
      sealingPublicKey: fromBase64(body.device.sealingPublicKey),
      signingPublicKey: fromBase64(body.device.signingPublicKey),
      certificate: fromBase64(statement.certificate),
    });
    if (!added) {
      throw new AuraError('AURA_CONFLICT', 'that device id is taken; register again with a new one');
    }
    await app.audit.append(
      userId,
      {
        eventType: 'registration',
        actorId: userId,
        actorType: 'user',
        targetId: deviceId,
        action: 'register',
        result: 'success',
        sensitive: { address },
      },
      client,
    );
    await app.audit.append(
      userId,
      {
        eventType: 'device',
        actorId: deviceId,
        actorType: 'device',
        targetId: deviceId,
        action: 'add',
        result: 'success',
        signed: deviceChange,
      },
      client,
    );
  });
  return { userId, deviceId };
}
