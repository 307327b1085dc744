/** The server's half of SRP-6a: it holds the verifier, never the password or anything derived from it. */
import { AuraError } from '@aura/errors';
import { assertBytes, assertString, constantTimeEqual } from '../bytes.ts';
import type { SrpGroup } from './group.ts';
import {
  badPublic,
  bytes,
  checkPublic,
  modPow,
  proofM1,
  proofM2,
  randomExponent,
  type SrpEphemeral,
  srpMultiplier,
  srpScrambler,
} from './shared.ts';

/** B = (k·v + g^b) mod N. */
export function srpServerEphemeral(group: SrpGroup, v: bigint, b: bigint = randomExponent()): SrpEphemeral {
  const k = srpMultiplier(group);
  return { secret: b, public: (k * v + modPow(group, group.g, b)) % group.N };
}

export interface SrpServerSession {
  readonly K: Uint8Array;
  readonly M2: Uint8Array;
  readonly S: bigint;
  readonly u: bigint;
}

/** The server's half after receiving (A, M1): S = (A·v^u)^b mod N; M1 checked in constant time. */
export function srpServerSession(
  group: SrpGroup,
  input: { identity: string; salt: Uint8Array; v: bigint; b: SrpEphemeral; A: bigint; M1: Uint8Array },
): SrpServerSession {
  assertString(input.identity, 'identity');
  assertBytes(input.salt, 'salt');
  assertBytes(input.M1, 'M1');
  checkPublic(group, input.A, 'A');
  const B = input.b.public;
  const u = srpScrambler(group, input.A, B);
  if (u === 0n) throw badPublic('the SRP scrambling value u is zero');
  const S = modPow(group, (input.A * modPow(group, input.v, u)) % group.N, input.b.secret);
  const K = group.hash(bytes(S));
  const expected = proofM1(group, input.identity, input.salt, input.A, B, K);
  if (input.M1.length !== expected.length || !constantTimeEqual(input.M1, expected)) {
    throw new AuraError('AURA_CRYPTO_SRP_BAD_PROOF', 'the email or password is wrong');
  }
  return { K, M2: proofM2(group, input.A, input.M1, K), S, u };
}
