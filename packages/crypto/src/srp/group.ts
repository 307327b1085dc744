import { AuraError } from '@aura/errors';
import { blake2b, blake2s } from '@noble/hashes/blake2.js';
import { sha1 } from '@noble/hashes/legacy.js';
import { sha256, sha384, sha512 } from '@noble/hashes/sha2.js';
import { bytesToBigInt, hexToBytes } from '../bytes.ts';

export type SrpHashName =
  | 'sha1'
  | 'sha256'
  | 'sha384'
  | 'sha512'
  | 'blake2s-256'
  | 'blake2b-224'
  | 'blake2b-256'
  | 'blake2b-384'
  | 'blake2b-512';

const hashes: Record<SrpHashName, (data: Uint8Array) => Uint8Array> = {
  sha1: (d) => sha1(d),
  sha256: (d) => sha256(d),
  sha384: (d) => sha384(d),
  sha512: (d) => sha512(d),
  'blake2s-256': (d) => blake2s(d, { dkLen: 32 }),
  'blake2b-224': (d) => blake2b(d, { dkLen: 28 }),
  'blake2b-256': (d) => blake2b(d, { dkLen: 32 }),
  'blake2b-384': (d) => blake2b(d, { dkLen: 48 }),
  'blake2b-512': (d) => blake2b(d, { dkLen: 64 }),
};

/** An SRP group: safe prime N, generator g, the hash H, and N's length in bytes (for PAD). */
export interface SrpGroup {
  readonly name: string;
  readonly N: bigint;
  readonly g: bigint;
  readonly hashName: SrpHashName;
  readonly hash: (data: Uint8Array) => Uint8Array;
  readonly byteLength: number;
}

export function srpGroup(name: string, nHex: string, g: bigint, hashName: SrpHashName): SrpGroup {
  const hash = hashes[hashName];
  if (!hash) throw new AuraError('AURA_INVALID_INPUT', `unknown SRP hash ${String(hashName)}`);
  const clean = nHex.replace(/\s+/g, '');
  const N = bytesToBigInt(hexToBytes(clean.length % 2 ? `0${clean}` : clean));
  return { name, N, g, hashName, hash, byteLength: Math.ceil(N.toString(16).length / 2) };
}

/** RFC 5054 Appendix A, the 2048-bit group, with SHA-256: the one group Aura's clients accept (M3). */
export const SRP_GROUP_2048_SHA256 = srpGroup(
  'rfc5054-2048-sha256',
  'AC6BDB41324A9A9BF166DE5E1389582FAF72B6651987EE07FC3192943DB56050A37329CBB4A099ED8193E0757767A13DD52312AB4B03310DCD7F48A9DA04FD50E8083969EDB767B0CF6095179A163AB3661A05FBD5FAAAE82918A9962F0B93B855F97993EC975EEAA80D740ADBF4FF747359D041D5C33EA71D281E446B14773BCA97B43A23FB801676BD207A436C6481F1D2B9078717461A5B9D32E688F87748544523B524B0D57D5EA77A2775D2ECFA032CFBDBF52FB3786160279004E57AE6AF874E7303CE53299CCC041C7BC308D82A5698F3A8D0C38271AE35F8E9DBFBB694B5C803D89F7AE435DE236D525F54759B65E372FCD68EF20FA7111F9E4AFF73',
  2n,
  'sha256',
);
