import { AuraError } from '@aura/errors';
import { platform } from '#platform';
import { assertBytes, bigIntToBytes, bigIntToMinimalBytes, bytesToBigInt, concatBytes, utf8ToBytes } from '../bytes.ts';
import type { SrpGroup } from './group.ts';

/**
 * What both halves of SRP-6a share. SRP-6a as RFC 5054 defines it (k = H(N | PAD(g)), u = H(PAD(A) | PAD(B))), with the proofs
 * of the Stanford SRP library: K = H(S), M1 = H(H(N) xor H(g) | H(I) | s | A | B | K),
 * M2 = H(A | M1 | K). Integers inside M1 and M2 are minimal big-endian.
 */

export const EPHEMERAL_BYTES = 32;

export const pad = (group: SrpGroup, n: bigint) => bigIntToBytes(n, group.byteLength);
export const bytes = bigIntToMinimalBytes;

export function modPow(group: SrpGroup, base: bigint, exponent: bigint): bigint {
  return platform.modPow(base, exponent, group.N);
}

export function srpMultiplier(group: SrpGroup): bigint {
  return bytesToBigInt(group.hash(concatBytes(bytes(group.N), pad(group, group.g))));
}

export function srpScrambler(group: SrpGroup, A: bigint, B: bigint): bigint {
  return bytesToBigInt(group.hash(concatBytes(pad(group, A), pad(group, B))));
}

export function randomExponent(): bigint {
  return bytesToBigInt(platform.randomBytes(EPHEMERAL_BYTES));
}

export function badPublic(what: string): AuraError {
  return new AuraError('AURA_CRYPTO_SRP_BAD_PUBLIC_VALUE', `${what}; the login was stopped`);
}

/** A public value must be in [1, N-1] and not 0 mod N. Values of other lengths are refused too. */
export function checkPublic(group: SrpGroup, value: bigint, name: 'A' | 'B'): void {
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

export function proofM1(group: SrpGroup, identity: string, salt: Uint8Array, A: bigint, B: bigint, K: Uint8Array) {
  const hN = group.hash(bytes(group.N));
  const hg = group.hash(bytes(group.g));
  const xor = hN.map((byte, i) => byte ^ (hg[i] ?? 0));
  return group.hash(concatBytes(xor, group.hash(utf8ToBytes(identity)), salt, bytes(A), bytes(B), K));
}

export function proofM2(group: SrpGroup, A: bigint, M1: Uint8Array, K: Uint8Array) {
  return group.hash(concatBytes(bytes(A), M1, K));
}
