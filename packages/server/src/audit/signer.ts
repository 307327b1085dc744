import { createPrivateKey, generateKeyPairSync, type KeyObject, sign } from 'node:crypto';
import { checkpointBody, formatSignedNote } from '@aura/crypto/merkle';
import type pg from 'pg';
import { fromBase64, toBase64 } from '../base64.ts';
import { keepFirstServerKey } from '../db/server-keys.ts';

/** The log's Ed25519 key, kept with the server's other keys, and the note it signs. */
export interface LogSigner {
  name: string;
  publicKey: Uint8Array;
  originFor(userId: string): string;
  signCheckpoint(userId: string, size: number, root: Uint8Array): string;
}

export async function loadLogSigner(pool: pg.Pool, name: string, originPrefix: string): Promise<LogSigner> {
  const { privateKey } = generateKeyPairSync('ed25519');
  const candidate = { pkcs8: toBase64(privateKey.export({ format: 'der', type: 'pkcs8' })) };
  const stored = await keepFirstServerKey(pool, 'log-signing', candidate);
  const key: KeyObject = createPrivateKey({
    key: fromBase64(stored.pkcs8),
    format: 'der',
    type: 'pkcs8',
  });
  const jwk = key.export({ format: 'jwk' }) as { x: string };
  const publicKey = new Uint8Array(Buffer.from(jwk.x, 'base64url'));
  const originFor = (userId: string) => `${originPrefix}/${userId}`;
  return {
    name,
    publicKey,
    originFor,
    signCheckpoint(userId, size, root) {
      const body = checkpointBody(originFor(userId), size, root);
      return formatSignedNote(body, name, publicKey, sign(null, Buffer.from(body), key));
    },
  };
}
