import * as z from 'zod';

const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;

/**
 * Bytes on the wire: standard base64 with padding. `exact` pins the decoded length,
 * `max` bounds it. Anything else is refused as AURA_INVALID_INPUT before a handler runs.
 */
export function base64Bytes(options: { exact: number } | { min?: number; max: number }) {
  const max = 'exact' in options ? options.exact : options.max;
  const min = 'exact' in options ? options.exact : (options.min ?? 0);
  const maxChars = Math.ceil(max / 3) * 4;
  return z
    .string()
    .max(maxChars, `at most ${max} bytes`)
    .regex(BASE64, 'must be standard base64')
    .refine(
      (s) => {
        const n = decodedLength(s);
        return n >= min && n <= max;
      },
      { message: min === max ? `must decode to exactly ${max} bytes` : `must decode to ${min}..${max} bytes` },
    );
}

/**
 * Bytes in an answer, of whatever length the server stored: standard base64 with padding. A
 * reader decodes these fields, so text that is not base64 is refused with the rest of the
 * answer rather than thrown by the decoder later.
 */
export const Base64Text = z.string().regex(BASE64, 'must be standard base64');

export function decodedLength(s: string): number {
  const padding = s.endsWith('==') ? 2 : s.endsWith('=') ? 1 : 0;
  return (s.length / 4) * 3 - padding;
}

// btoa/atob, so this runs in the browser too; Node's Buffer where there is one (every record
// read decodes an envelope and encodes its hash: it is most of a vault list's work).
const NodeBuffer = (globalThis as { Buffer?: typeof import('node:buffer').Buffer }).Buffer;

/** Bytes to wire text: standard base64 with padding. */
export function toBase64(bytes: Uint8Array): string {
  if (NodeBuffer) return NodeBuffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('base64');
  let s = '';
  for (let i = 0; i < bytes.length; i += 0x8000) s += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  return btoa(s);
}

/** Wire text to bytes; text that is not base64 throws (a DOMException, as atob's does). */
export function fromBase64(text: string): Uint8Array {
  if (NodeBuffer) {
    // Strict like atob: Buffer skips what is not base64, so a decoded length short of what the
    // text's length promises means there was something else in it.
    const b = NodeBuffer.from(text, 'base64');
    const padding = text.endsWith('==') ? 2 : text.endsWith('=') ? 1 : 0;
    if (text.length % 4 === 1 || b.length !== Math.floor((text.length * 3) / 4) - padding) {
      throw new DOMException('invalid base64', 'InvalidCharacterError');
    }
    return new Uint8Array(b.buffer, b.byteOffset, b.byteLength);
  }
  const s = atob(text);
  const out = new Uint8Array(s.length);
  for (let i = 0; i < s.length; i++) out[i] = s.charCodeAt(i);
  return out;
}
