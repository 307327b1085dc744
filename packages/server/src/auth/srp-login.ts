import { createHmac, randomUUID } from 'node:crypto';
import {
  SRP_GROUP_2048_SHA256 as group,
  srpDecodePublic,
  srpServerEphemeral,
  srpServerSession,
} from '@aura/crypto/srp';
import { AuraError } from '@aura/errors';
import type pg from 'pg';
import { relayKdf } from './kdf.ts';

const CHALLENGE_SECONDS = 120;
const DEFAULT_PARAMS = { algorithm: 'argon2id', t: 3, m: 65536, p: 1 } as const;

const toBig = (bytes: Uint8Array) => (bytes.length === 0 ? 0n : BigInt(`0x${Buffer.from(bytes).toString('hex')}`));
const toBytes = (n: bigint, length: number) => Buffer.from(n.toString(16).padStart(length * 2, '0'), 'hex');

export interface UserRow {
  id: string;
  email: string;
  kdf_seed: Buffer;
  /** Whatever JSON the column holds: relayKdf() makes it safe to answer with. */
  kdf_params: unknown;
  srp_verifier: Buffer;
  wrapped_account_key: Buffer;
  account_key_id: Buffer;
}

/**
 * What an unknown email is answered with (M16): a seed and verifier derived from the
 * server's secret and the email, so repeated asks give the same seed, and B is made by
 * the same formula with the same cost as for a real account.
 */
function fakeAccount(secret: Buffer, email: string) {
  const mac = (label: string) => createHmac('sha512', secret).update(`aura/v1/fake-${label}\0${email}`).digest();
  const seed = mac('seed').subarray(0, 16);
  const wide = Buffer.concat([mac('v1'), mac('v2'), mac('v3'), mac('v4')]);
  return { seed, params: DEFAULT_PARAMS, verifier: toBig(wide) % group.N };
}

/**
 * The challenge: the account's KDF seed and parameters as stored (the client judges them, M1)
 * and a fresh B. `onUnusableKdf` is told when a known account's row is not even well-formed.
 */
export async function startLogin(
  pool: pg.Pool,
  secret: Buffer,
  email: string,
  onUnusableKdf: (userId: string) => void = () => {},
) {
  const { rows } = await pool.query<UserRow>('SELECT * FROM users WHERE email = $1', [email]);
  const user = rows[0];
  const account = user
    ? { seed: user.kdf_seed, params: user.kdf_params, verifier: toBig(user.srp_verifier) }
    : fakeAccount(secret, email);
  // One function shapes the known and the fake answer alike, key order included (M16).
  const kdf = relayKdf(account.seed, account.params);
  if (user && !kdf.wellFormed) onUnusableKdf(user.id);
  const ephemeral = srpServerEphemeral(group, account.verifier);
  const challengeId = randomUUID();
  await pool.query(
    `INSERT INTO srp_challenges (id, user_id, identity, b, big_b, expires_at)
     VALUES ($1, $2, $3, $4, $5, now() + make_interval(secs => $6))`,
    [
      challengeId,
      user?.id ?? null,
      email,
      toBytes(ephemeral.secret, 32),
      toBytes(ephemeral.public, group.byteLength),
      CHALLENGE_SECONDS,
    ],
  );
  return {
    challengeId,
    kdf: { seed: kdf.seed, params: kdf.params },
    B: toBytes(ephemeral.public, group.byteLength).toString('base64'),
  };
}

export interface ProvenLogin {
  user: UserRow;
  M2: Buffer;
  K: Uint8Array;
}

/** Reads the challenge (used once: it is deleted whatever happens next). */
export async function takeChallenge(pool: pg.Pool, challengeId: string) {
  const { rows } = await pool.query<{
    user_id: string | null;
    identity: string;
    b: Buffer;
    big_b: Buffer;
    expires_at: Date;
  }>('DELETE FROM srp_challenges WHERE id = $1 RETURNING user_id, identity, b, big_b, expires_at', [challengeId]);
  const challenge = rows[0];
  if (!challenge || challenge.expires_at < new Date()) {
    throw new AuraError('AURA_AUTH_CHALLENGE_INVALID', 'this login attempt expired or was already used; start again');
  }
  return challenge;
}

export async function finishLogin(
  pool: pg.Pool,
  secret: Buffer,
  challenge: Awaited<ReturnType<typeof takeChallenge>>,
  A: Buffer,
  M1: Buffer,
): Promise<ProvenLogin> {
  const publicA = srpDecodePublic(group, A, 'A');
  const { rows } = challenge.user_id
    ? await pool.query<UserRow>('SELECT * FROM users WHERE id = $1', [challenge.user_id])
    : { rows: [] as UserRow[] };
  const user = rows[0];
  const account = user
    ? { seed: user.kdf_seed, verifier: toBig(user.srp_verifier) }
    : fakeAccount(secret, challenge.identity);
  // For an unknown email this throws AURA_CRYPTO_SRP_BAD_PROOF after the same work as a wrong password.
  const session = srpServerSession(group, {
    identity: challenge.identity,
    salt: account.seed,
    v: account.verifier,
    b: { secret: toBig(challenge.b), public: toBig(challenge.big_b) },
    A: publicA,
    M1,
  });
  if (!user) throw new AuraError('AURA_CRYPTO_SRP_BAD_PROOF', 'the email or password is wrong');
  return { user, M2: Buffer.from(session.M2), K: session.K };
}
