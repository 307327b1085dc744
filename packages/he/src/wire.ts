import { AuraError } from '@aura/errors';
import { sha256Hex } from './digest.ts';

/**
 * What travels: SEAL's own serialisation, uncompressed. SEAL's zstd decoder, compiled into
 * node-seal's WebAssembly, aborts the process on corrupt input (measured: flipped bytes in a
 * compressed ciphertext killed Node), while an uncompressed object with the expected length is
 * checked field by field and refused with an exception. So a sender may send only
 * `ComprModeType.none`, and only the exact length its kind has; compression saved 13%.
 *
 * SEAL's header (16 bytes, little-endian): magic 0xA15E, header size 16, version 4.1,
 * compression mode, two reserved bytes, then the total size as a 64-bit integer.
 */
export const SEAL_HEADER_BYTES = 16;

/** A fresh ciphertext, encrypted with the secret key (SEAL stores a seed for half of it). */
export const QUERY_CIPHERTEXT_BYTES = 131_266;
/** The evaluated ciphertext: two polynomials modulo the one prime left after the rescale. */
export const RESULT_CIPHERTEXT_BYTES = 131_185;
/** Galois keys, seeded, for `count` rotation steps (see layout.ts for which). */
export const galoisKeyBytes = (count: number) => 65_592 + 393_604 * count;

export type SealObjectKind = 'ciphertext' | 'galois keys';

/** Refuses bytes that are not one uncompressed SEAL object of exactly `length` bytes. */
export function checkSealObject(bytes: Uint8Array, length: number, kind: SealObjectKind): void {
  const refuse = (why: string): never => {
    throw new AuraError(
      kind === 'ciphertext' ? 'AURA_HE_INVALID_CIPHERTEXT' : 'AURA_HE_INVALID_KEYS',
      `the ${kind} ${why}`,
    );
  };
  if (bytes.length !== length) refuse(`must be ${length} bytes, not ${bytes.length}`);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (view.getUint16(0, true) !== 0xa15e || bytes[2] !== SEAL_HEADER_BYTES) refuse('is not a SEAL object');
  if (bytes[3] !== 4 || bytes[4] !== 1) refuse('was written by a SEAL version other than 4.1');
  if (bytes[5] !== 0) refuse('must be uncompressed');
  if (view.getBigUint64(8, true) !== BigInt(length)) refuse("header's size does not match its length");
}

/** The name of a key set: SHA-256 of its Galois keys as uploaded, hex. */
export const keySetId = (galoisKeys: Uint8Array): Promise<string> => sha256Hex(galoisKeys);
