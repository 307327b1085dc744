/** A string as docs/envelope-format.md frames it in the associated data: its UTF-8 bytes after a 4-byte big-endian length. */
export function lengthPrefixed(s: string): Uint8Array {
  const b = new TextEncoder().encode(s);
  const out = new Uint8Array(4 + b.length);
  new DataView(out.buffer).setUint32(0, b.length);
  out.set(b, 4);
  return out;
}
