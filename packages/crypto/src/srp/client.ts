/** The client's half of SRP-6a: it holds x, derived from the password; the server never imports this module. */
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

/** v = g^x mod N: what the server stores instead of a password. */
export function srpVerifier(group: SrpGroup, x: bigint): bigint {
  return modPow(group, group.g, x);
}

export function srpClientEphemeral(group: SrpGroup, a: bigint = randomExponent()): SrpEphemeral {
  return { secret: a, public: modPow(group, group.g, a) };
}

export interface SrpClientSession {
  readonly K: Uint8Array;
  readonly M1: Uint8Array;
  /** The M2 an honest server must answer with. */
  readonly expectedM2: Uint8Array;
  readonly S: bigint;
  readonly u: bigint;
}

/** The client's half after receiving (salt, B): S = (B - k·g^x)^(a + u·x) mod N. */
export function srpClientSession(
  group: SrpGroup,
  input: { identity: string; salt: Uint8Array; x: bigint; a: SrpEphemeral; B: bigint },
): SrpClientSession {
  assertString(input.identity, 'identity');
  assertBytes(input.salt, 'salt');
  const { N, g } = group;
  const A = input.a.public;
  checkPublic(group, input.B, 'B');
  const u = srpScrambler(group, A, input.B);
  if (u === 0n) throw badPublic('the SRP scrambling value u is zero');
  const k = srpMultiplier(group);
  const base = (((input.B - ((k * modPow(group, g, input.x)) % N)) % N) + N) % N;
  const S = modPow(group, base, input.a.secret + u * input.x);
  const K = group.hash(bytes(S));
  const M1 = proofM1(group, input.identity, input.salt, A, input.B, K);
  return { K, M1, expectedM2: proofM2(group, A, M1, K), S, u };
}

/** Checks the server's M2 before anything from the session is trusted (M3). */
export function srpClientVerifyServer(session: SrpClientSession, M2: Uint8Array): void {
  assertBytes(M2, 'M2');
  if (M2.length !== session.expectedM2.length || !constantTimeEqual(M2, session.expectedM2)) {
    throw new AuraError(
      'AURA_CRYPTO_SRP_BAD_PROOF',
      "the server could not prove it knows this account's verifier; do not trust this server",
    );
  }
}
