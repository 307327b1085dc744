import { AuraError } from '@aura/errors';
import { platform } from '#platform';
import {
  assertBytes,
  assertString,
  bigIntToBytes,
  bigIntToMinimalBytes,
  bytesToBigInt,
  concatBytes,
  constantTimeEqual,
  utf8ToBytes,
} from '../bytes.ts';
import type { SrpGroup } from './group.ts';

/**
 * SRP-6a as RFC 5054 defines it (k = H(N | PAD(g)), u = H(PAD(A) | PAD(B))), with the proofs
 * of the Stanford SRP library: K = H(S), M1 = H(H(N) xor H(g) | H(I) | s | A | B | K),
 * M2 = H(A | M1 | K). Integers inside M1 and M2 are minimal big-endian.
 */

const EPHEMERAL_BYTES = 32;

const pad = (group: SrpGroup, n: bigint) => bigIntToBytes(n, group.byteLength);
const bytes = bigIntToMinimalBytes;

function modPow(group: SrpGroup, base: bigint, exponent: bigint): bigint {
  return platform.modPow(base, exponent, group.N);
}

export function srpMultiplier(group: SrpGroup): bigint {
  return bytesToBigInt(group.hash(concatBytes(bytes(group.N), pad(group, group.g))));
}

export function srpScrambler(group: SrpGroup, A: bigint, B: bigint): bigint {
  return bytesToBigInt(group.hash(concatBytes(pad(group, A), pad(group, B))));
}

/** v = g^x mod N: what the server stores instead of a password. */
export function srpVerifier(group: SrpGroup, x: bigint): bigint {
  return modPow(group, group.g, x);
}

function randomExponent(): bigint {
  return bytesToBigInt(platform.randomBytes(EPHEMERAL_BYTES));
}

function badPublic(what: string): AuraError {
  return new AuraError('AURA_CRYPTO_SRP_BAD_PUBLIC_VALUE', `${what}; the login was stopped`);
}

/** A public value must be in [1, N-1] and not 0 mod N. Values of other lengths are refused too. */
function checkPublic(group: SrpGroup, value: bigint, name: 'A' | 'B'): void {
  if (value <= 0n || value >= group.N || value % group.N === 0n) {
    throw badPublic(`the ${name === 'A' ? "client's" : "server's"} SRP value ${name} is out of range`);
  }
}

export function srpDecodePublic(group: SrpGroup, encoded: Uint8Array, name: 'A' | 'B'): bigint {
  assertBytes(encoded, name);
  if (encoded.length === 0 || encoded.length > group.byteLength) {
    throw badPublic(`the SRP value ${name} has the wrong length`);
  }
  const value = bytesToBigInt(encoded);
  checkPublic(group, value, name);
  return value;
}

export interface SrpEphemeral {
  readonly secret: bigint;
  readonly public: bigint;
}

export function srpClientEphemeral(group: SrpGroup, a: bigint = randomExponent()): SrpEphemeral {
  return { secret: a, public: modPow(group, group.g, a) };
}

/** B = (k·v + g^b) mod N. */
export function srpServerEphemeral(group: SrpGroup, v: bigint, b: bigint = randomExponent()): SrpEphemeral {
  const k = srpMultiplier(group);
  return { secret: b, public: (k * v + modPow(group, group.g, b)) % group.N };
}

function proofM1(group: SrpGroup, identity: string, salt: Uint8Array, A: bigint, B: bigint, K: Uint8Array) {
  const hN = group.hash(bytes(group.N));
  const hg = group.hash(bytes(group.g));
  const xor = hN.map((byte, i) => byte ^ (hg[i] ?? 0));
  return group.hash(concatBytes(xor, group.hash(utf8ToBytes(identity)), salt, bytes(A), bytes(B), K));
}

function proofM2(group: SrpGroup, A: bigint, M1: Uint8Array, K: Uint8Array) {
  return group.hash(concatBytes(bytes(A), M1, K));
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
