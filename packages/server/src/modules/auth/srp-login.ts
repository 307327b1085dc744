import { createHmac, randomUUID } from 'node:crypto';
import {
  SRP_GROUP_2048_SHA256 as group,
  srpDecodePublic,
  srpServerEphemeral,
  srpServerSession,
} from '@aura/crypto/srp';
import { AuraError } from '@aura/errors';
import type pg from 'pg';
import { toBase64 } from '../../base64.ts';
import { relayKdf } from './kdf.ts';
import { type ChallengeRow, insertChallenge, takeChallengeRow, type UserRow, userByEmail } from './repository.ts';

const CHALLENGE_SECONDS = 120;
const DEFAULT_PARAMS = { algorithm: 'argon2id', t: 3, m: 65536, p: 1 } as const;

const toBig = (bytes: Uint8Array) => (bytes.length === 0 ? 0n : BigInt(`0x${Buffer.from(bytes).toString('hex')}`));
const toBytes = (n: bigint, length: number) => Buffer.from(n.toString(16).padStart(length * 2, '0'), 'hex');

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
  const user = await userByEmail(pool, email);
  const account = user
    ? { seed: user.kdf_seed, params: user.kdf_params, verifier: toBig(user.srp_verifier) }
    : fakeAccount(secret, email);
  // One function shapes the known and the fake answer alike, key order included (M16).
  const kdf = relayKdf(account.seed, account.params);
  if (user && !kdf.wellFormed) onUnusableKdf(user.id);
  const ephemeral = srpServerEphemeral(group, account.verifier);
  const B = toBytes(ephemeral.public, group.byteLength);
  const challengeId = randomUUID();
  await insertChallenge(pool, {
    id: challengeId,
    userId: user?.id ?? null,
    identity: email,
    b: toBytes(ephemeral.secret, 32),
    B,
    seconds: CHALLENGE_SECONDS,
  });
  return {
    challengeId,
    kdf: { seed: kdf.seed, params: kdf.params },
    B: toBase64(B),
  };
}

export interface ProvenLogin {
  user: UserRow;
  M2: Buffer;
  K: Uint8Array;
}

/** Reads the challenge, with its account (used once: it is deleted whatever happens next). */
export async function takeChallenge(
  pool: pg.Pool,
  challengeId: string,
): Promise<{ challenge: ChallengeRow; user: UserRow | undefined }> {
  const taken = await takeChallengeRow(pool, challengeId);
  if (!taken || taken.challenge.expires_at < new Date()) {
    throw new AuraError('AURA_AUTH_CHALLENGE_INVALID', 'this login attempt expired or was already used; start again');
  }
  return taken;
}

export function finishLogin(
  secret: Buffer,
  { challenge, user }: { challenge: ChallengeRow; user: UserRow | undefined },
  A: Buffer,
  M1: Buffer,
): ProvenLogin {
  const publicA = srpDecodePublic(group, A, 'A');
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
