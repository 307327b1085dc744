import { randomBytes, randomUUID } from 'node:crypto';
import { exportJWK, generateKeyPair, importJWK, type JWK } from 'jose';
import type pg from 'pg';

/**
 * The server's own secrets, kept in its database: the Ed25519 key that signs access tokens,
 * and the secret behind fake login answers for unknown emails. Neither opens user data.
 */
export interface ServerKeys {
  kid: string;
  signingKey: CryptoKey;
  verifyKey: CryptoKey;
  publicJwk: JWK;
  loginSecret: Buffer;
}

async function loadOrCreate<T>(pool: pg.Pool, name: string, create: () => Promise<T>): Promise<T> {
  const candidate = await create();
  // Two servers starting at once: the first insert wins and both read the winner.
  await pool.query('INSERT INTO server_keys (name, value) VALUES ($1, $2) ON CONFLICT (name) DO NOTHING', [
    name,
    JSON.stringify(candidate),
  ]);
  const { rows } = await pool.query<{ value: T }>('SELECT value FROM server_keys WHERE name = $1', [name]);
  if (!rows[0]) throw new Error(`server key ${name} could not be stored`);
  return rows[0].value;
}

export async function loadServerKeys(pool: pg.Pool): Promise<ServerKeys> {
  const signing = await loadOrCreate(pool, 'jwt-signing', async () => {
    const { privateKey, publicKey } = await generateKeyPair('EdDSA', { crv: 'Ed25519', extractable: true });
    return { kid: randomUUID(), privateJwk: await exportJWK(privateKey), publicJwk: await exportJWK(publicKey) };
  });
  const login = await loadOrCreate(pool, 'login-secret', async () => ({ secret: randomBytes(32).toString('base64') }));
  const publicJwk: JWK = { ...signing.publicJwk, kid: signing.kid, alg: 'EdDSA', use: 'sig' };
  return {
    kid: signing.kid,
    signingKey: (await importJWK({ ...signing.privateJwk, alg: 'EdDSA' }, 'EdDSA')) as CryptoKey,
    verifyKey: (await importJWK(publicJwk, 'EdDSA')) as CryptoKey,
    publicJwk,
    loginSecret: Buffer.from(login.secret, 'base64'),
  };
}
