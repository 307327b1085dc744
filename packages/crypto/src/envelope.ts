import { AuraError } from '@aura/errors';
import { platform } from '#platform';
import { decryptFailed, XCHACHA_NONCE_BYTES, XCHACHA_TAG_BYTES, xchachaSeal } from './aead.ts';
import { assertBytes, assertString, constantTimeEqual, utf8ToBytes } from './bytes.ts';
import { assertKey, KEY_ID_BYTES, type SymmetricKey } from './key.ts';

/**
 * Envelope format v1 (docs/envelope-format.md is the normative description):
 *
 *   offset 0   version    1 byte   0x01
 *   offset 1   algorithm  1 byte   0x01 = XChaCha20-Poly1305
 *   offset 2   flags      1 byte   bit 0: plaintext padded (ISO/IEC 7816-4) to a size bucket
 *   offset 3   key id     16 bytes
 *   offset 19  nonce      24 bytes, random
 *   offset 43  ciphertext || 16-byte Poly1305 tag
 *
 * Associated data: "aura/v1/envelope" 0x00 || header[0..19] || lp(userId) || lp(collection) ||
 * lp(recordId), lp = u32 big-endian length || UTF-8. The header is inside the AD, so a
 * relabelled version, algorithm, flag or key id fails like any other tampering (M4), and the
 * slot is rebuilt by the reader from where it expects the record to be, never taken from the
 * server (M6).
 */
export const ENVELOPE_VERSION = 1;
export const ALG_XCHACHA20_POLY1305 = 1;
const FLAG_PADDED = 0x01;
export const ENVELOPE_HEADER_BYTES = 3 + KEY_ID_BYTES + XCHACHA_NONCE_BYTES;
const AD_LABEL = utf8ToBytes('aura/v1/envelope\0');

/** Where a record lives. Bound into every envelope; a record moved elsewhere will not open. */
export interface EnvelopeSlot {
  readonly userId: string;
  readonly collection: string;
  readonly recordId: string;
}

export interface SealOptions {
  /** Pad the plaintext to a size bucket so the ciphertext length says less (M12). */
  readonly pad?: boolean;
  /** Tests only: a fixed nonce, to compare implementations byte for byte. */
  readonly nonce?: Uint8Array;
}

export interface EnvelopeHeader {
  readonly version: number;
  readonly algorithm: number;
  readonly padded: boolean;
  readonly keyId: Uint8Array;
  /** The 24-byte XChaCha20 nonce, so no caller slices it out by offset. */
  readonly nonce: Uint8Array;
}

/** Keys that may encrypt: data keys, key-encryption keys and grant keys. Never an account or index key (M11). */
function checkEnvelopeKey(key: SymmetricKey): void {
  assertKey(key);
  if (key.purpose === 'account' || key.purpose === 'blind-index' || key.purpose === 'device-certificate') {
    throw new AuraError(
      'AURA_INVALID_INPUT',
      `a ${key.purpose} key does not encrypt data; derive a collection key from it`,
    );
  }
}

function checkSlot(slot: EnvelopeSlot): void {
  if (typeof slot !== 'object' || slot === null) {
    throw new AuraError('AURA_INVALID_INPUT', 'slot must be {userId, collection, recordId}');
  }
  assertString(slot.userId, 'slot.userId');
  assertString(slot.collection, 'slot.collection');
  assertString(slot.recordId, 'slot.recordId');
}

const encoder = new TextEncoder();
const AD_FIXED = AD_LABEL.length + 3 + KEY_ID_BYTES;
const AD_SCRATCH_BYTES = 1024;

// The associated data is written into one buffer kept for the purpose, not a fresh one per seal
// and open: for a small record a fresh array (past 64 bytes V8 puts it off its heap) and three
// TextEncoder results cost more than the XChaCha20 setup. It is not secret (the slot is where
// the server files the record), both engines read it before they return, and nothing calls back
// in between. A slot too long for it gets an array of its own.
const adScratch = new Uint8Array(AD_SCRATCH_BYTES);
adScratch.set(AD_LABEL, 0);

/** lp(value) at `at`: u32 big-endian byte length, then UTF-8. Returns the offset after it. */
function putLengthPrefixed(out: Uint8Array, at: number, value: string): number {
  const start = at + 4;
  let length = 0;
  // ASCII, the usual case, is its own UTF-8; anything else goes through TextEncoder whole.
  while (length < value.length) {
    const unit = value.charCodeAt(length);
    if (unit >= 0x80) break;
    out[start + length] = unit;
    length++;
  }
  if (length < value.length) length = encoder.encodeInto(value, out.subarray(start)).written;
  out[at] = length >>> 24;
  out[at + 1] = (length >>> 16) & 0xff;
  out[at + 2] = (length >>> 8) & 0xff;
  out[at + 3] = length & 0xff;
  return start + length;
}

/** Returns a view of adScratch, or of a new array for a long slot: use it before the next call. */
function associatedData(header: Uint8Array, slot: EnvelopeSlot): Uint8Array {
  const { userId, collection, recordId } = slot;
  // UTF-8 takes at most 3 bytes per UTF-16 code unit (a surrogate pair: 4 for 2).
  const most = AD_FIXED + 12 + 3 * (userId.length + collection.length + recordId.length);
  let ad = adScratch;
  if (most > AD_SCRATCH_BYTES) {
    ad = new Uint8Array(most);
    ad.set(AD_LABEL, 0);
  }
  for (let i = 0; i < 3 + KEY_ID_BYTES; i++) ad[AD_LABEL.length + i] = header[i] ?? 0;
  let offset = putLengthPrefixed(ad, AD_FIXED, userId);
  offset = putLengthPrefixed(ad, offset, collection);
  offset = putLengthPrefixed(ad, offset, recordId);
  return ad.subarray(0, offset);
}

/**
 * Size buckets for padding: the next power of two up to 4 KiB, then multiples of 4 KiB.
 * Padding is 0x80 then zeros (ISO/IEC 7816-4), so it is always at least one byte.
 */
export function paddedLength(length: number): number {
  const min = length + 1;
  if (min <= 4096) {
    let size = 32;
    while (size < min) size *= 2;
    return size;
  }
  return Math.ceil(min / 4096) * 4096;
}

function pad(plaintext: Uint8Array): Uint8Array {
  const out = new Uint8Array(paddedLength(plaintext.length));
  out.set(plaintext);
  out[plaintext.length] = 0x80;
  return out;
}

function unpad(padded: Uint8Array): Uint8Array {
  let i = padded.length - 1;
  while (i >= 0 && padded[i] === 0) i--;
  if (i < 0 || padded[i] !== 0x80) throw decryptFailed();
  return padded.subarray(0, i);
}

export function sealEnvelope(
  key: SymmetricKey,
  slot: EnvelopeSlot,
  plaintext: Uint8Array,
  options: SealOptions = {},
): Uint8Array {
  checkEnvelopeKey(key);
  checkSlot(slot);
  assertBytes(plaintext, 'plaintext');
  const nonce = options.nonce
    ? assertBytes(options.nonce, 'nonce', XCHACHA_NONCE_BYTES)
    : platform.randomBytes(XCHACHA_NONCE_BYTES);
  const header = new Uint8Array(ENVELOPE_HEADER_BYTES);
  header[0] = ENVELOPE_VERSION;
  header[1] = ALG_XCHACHA20_POLY1305;
  header[2] = options.pad ? FLAG_PADDED : 0;
  header.set(key.id, 3);
  header.set(nonce, 3 + KEY_ID_BYTES);
  const body = options.pad ? pad(plaintext) : plaintext;
  return xchachaSeal(key.bytes, nonce, body, associatedData(header, slot), header);
}

/** Reads the header without decrypting: which key an envelope needs. Claims, not facts. */
export function readEnvelopeHeader(envelope: Uint8Array): EnvelopeHeader {
  assertBytes(envelope, 'envelope');
  if (envelope.length < ENVELOPE_HEADER_BYTES + XCHACHA_TAG_BYTES) throw decryptFailed();
  const version = envelope[0] ?? 0;
  const algorithm = envelope[1] ?? 0;
  if (version !== ENVELOPE_VERSION || algorithm !== ALG_XCHACHA20_POLY1305) {
    throw new AuraError(
      'AURA_CRYPTO_UNSUPPORTED_FORMAT',
      `envelope version ${version}, algorithm ${algorithm} is not one this build reads; update Aura`,
    );
  }
  return {
    version,
    algorithm,
    padded: ((envelope[2] ?? 0) & FLAG_PADDED) !== 0,
    keyId: envelope.slice(3, 3 + KEY_ID_BYTES),
    nonce: envelope.slice(3 + KEY_ID_BYTES, ENVELOPE_HEADER_BYTES),
  };
}

/**
 * Opens an envelope for the slot the caller expects. Every failure (altered byte, truncation,
 * wrong key, wrong slot, relabelled header) is the same AURA_CRYPTO_DECRYPT_FAILED.
 */
export function openEnvelope(key: SymmetricKey, slot: EnvelopeSlot, envelope: Uint8Array): Uint8Array {
  checkEnvelopeKey(key);
  checkSlot(slot);
  assertBytes(envelope, 'envelope');
  if (envelope.length < ENVELOPE_HEADER_BYTES + XCHACHA_TAG_BYTES) throw decryptFailed();
  // One algorithm per key, one format version: anything else is tampering, reported as such.
  if (envelope[0] !== ENVELOPE_VERSION || envelope[1] !== ALG_XCHACHA20_POLY1305) throw decryptFailed();
  const flags = envelope[2] ?? 0;
  if ((flags & ~FLAG_PADDED) !== 0) throw decryptFailed();
  if (!constantTimeEqual(envelope.subarray(3, 3 + KEY_ID_BYTES), key.id)) throw decryptFailed();
  const nonce = envelope.subarray(3 + KEY_ID_BYTES, ENVELOPE_HEADER_BYTES);
  const ad = associatedData(envelope, slot);
  const body = platform.xchachaOpen(key.bytes, nonce, envelope.subarray(ENVELOPE_HEADER_BYTES), ad);
  if (body === null) throw decryptFailed();
  return flags & FLAG_PADDED ? unpad(body) : body;
}
