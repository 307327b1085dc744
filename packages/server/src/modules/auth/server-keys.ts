import { randomBytes, randomUUID } from 'node:crypto';
import { exportJWK, generateKeyPair, importJWK, type JWK } from 'jose';
import type pg from 'pg';
import { fromBase64, toBase64 } from '../../base64.ts';
import { keepFirstServerKey } from '../../db/server-keys.ts';

/**
 * The server's own secrets, kept in its database: the Ed25519 key that signs access tokens,
 * the secret behind fake login answers for unknown emails, and the key that MACs list cursors.
 * None of them opens user data.
 */
export interface ServerKeys {
  kid: string;
  signingKey: CryptoKey;
  verifyKey: CryptoKey;
  publicJwk: JWK;
  loginSecret: Buffer;
  cursorKey: Buffer;
}

async function newSigningKey() {
  const { privateKey, publicKey } = await generateKeyPair('EdDSA', { crv: 'Ed25519', extractable: true });
  return { kid: randomUUID(), privateJwk: await exportJWK(privateKey), publicJwk: await exportJWK(publicKey) };
}

/** Replaces the access-token key (servers stopped): every token signed by the old one is refused from then on. */
export async function rotateTokenKey(pool: pg.Pool): Promise<void> {
  await pool.query("UPDATE server_keys SET value = $1 WHERE name = 'jwt-signing'", [
    JSON.stringify(await newSigningKey()),
  ]);
}

export async function loadServerKeys(pool: pg.Pool): Promise<ServerKeys> {
  const signing = await keepFirstServerKey(pool, 'jwt-signing', await newSigningKey());
  const login = await keepFirstServerKey(pool, 'login-secret', { secret: toBase64(randomBytes(32)) });
  const cursor = await keepFirstServerKey(pool, 'cursor-key', { secret: toBase64(randomBytes(32)) });
  const publicJwk: JWK = { ...signing.publicJwk, kid: signing.kid, alg: 'EdDSA', use: 'sig' };
  return {
    kid: signing.kid,
    signingKey: (await importJWK({ ...signing.privateJwk, alg: 'EdDSA' }, 'EdDSA')) as CryptoKey,
    verifyKey: (await importJWK(publicJwk, 'EdDSA')) as CryptoKey,
    publicJwk,
    loginSecret: fromBase64(login.secret),
    cursorKey: fromBase64(cursor.secret),
  };
}
