import { AuraError } from '@aura/errors';
import { equalBytes } from '@noble/ciphers/utils.js';
import { bytesToHex, concatBytes, hexToBytes, utf8ToBytes } from '@noble/hashes/utils.js';

export { bytesToHex, concatBytes, hexToBytes, utf8ToBytes };

/** Constant-time equality for byte strings of equal length (length itself is not secret). */
export function constantTimeEqual(a: Uint8Array, b: Uint8Array): boolean {
  return equalBytes(a, b);
}

/**
 * Overwrites key material with zeros. JavaScript cannot promise the bytes were never copied
 * (by the engine, a string, or a garbage collector move); this shortens their life where we can.
 */
export function wipe(...arrays: (Uint8Array | undefined)[]): void {
  for (const a of arrays) a?.fill(0);
}

export function assertBytes(value: unknown, name: string, length?: number): Uint8Array {
  if (!(value instanceof Uint8Array)) {
    throw new AuraError('AURA_INVALID_INPUT', `${name} must be a Uint8Array`);
  }
  if (length !== undefined && value.length !== length) {
    throw new AuraError('AURA_INVALID_INPUT', `${name} must be ${length} bytes long, got ${value.length}`);
  }
  return value;
}

export function assertString(value: unknown, name: string): string {
  if (typeof value !== 'string') {
    throw new AuraError('AURA_INVALID_INPUT', `${name} must be a string`);
  }
  return value;
}

/** u32 big-endian length prefix then the bytes: an unambiguous encoding for concatenation. */
export function lengthPrefixed(bytes: Uint8Array): Uint8Array {
  const out = new Uint8Array(4 + bytes.length);
  new DataView(out.buffer).setUint32(0, bytes.length, false);
  out.set(bytes, 4);
  return out;
}

export function bytesToBigInt(bytes: Uint8Array): bigint {
  return bytes.length === 0 ? 0n : BigInt(`0x${bytesToHex(bytes)}`);
}

/** Big-endian, left-padded with zeros to `length` bytes. Throws if the number does not fit. */
export function bigIntToBytes(n: bigint, length: number): Uint8Array {
  if (n < 0n) throw new AuraError('AURA_INVALID_INPUT', 'a negative number has no byte encoding');
  const hex = n.toString(16);
  if (hex.length > length * 2) {
    throw new AuraError('AURA_INVALID_INPUT', `number does not fit in ${length} bytes`);
  }
  return hexToBytes(hex.padStart(length * 2, '0'));
}

/** Minimal big-endian encoding (no leading zero bytes; 0 encodes as one zero byte). */
export function bigIntToMinimalBytes(n: bigint): Uint8Array {
  const hex = n.toString(16);
  return hexToBytes(hex.length % 2 === 0 ? hex : `0${hex}`);
}
