/**
 * A Bloom filter of a record's blind-index tokens, carried in the record's signed change. The
 * server already holds the tokens themselves, so the filter tells it nothing new; it lets a
 * client that never saw the record's text know that a search should have found it (a hidden
 * result). Tokens are keyed hashes, uniform already: their bytes give the bit positions.
 */
const BITS_PER_TOKEN = 16;
const PROBES = 11; // near-optimal for 16 bits a token: ~0.05% false positives
const MIN_BYTES = 8;

function positions(token: Uint8Array, bits: number): number[] {
  // Double hashing (Kirsch–Mitzenmacher) over two 16-bit halves of the token.
  const a = ((token[0] ?? 0) << 8) | (token[1] ?? 0);
  const b = ((token[token.length - 2] ?? 0) << 8) | (token[token.length - 1] ?? 0) | 1;
  return Array.from({ length: PROBES }, (_, i) => (a + i * b) % bits);
}

export function tokenFilter(tokens: Uint8Array[]): Uint8Array {
  const bytes = Math.max(MIN_BYTES, Math.ceil((tokens.length * BITS_PER_TOKEN) / 8));
  const filter = new Uint8Array(bytes);
  for (const token of tokens) {
    for (const p of positions(token, bytes * 8)) filter[p >> 3] = (filter[p >> 3] ?? 0) | (1 << (p & 7));
  }
  return filter;
}

/** True when every token may be in the record (false positives possible, false negatives not). */
export function filterHolds(filter: Uint8Array, tokens: Uint8Array[]): boolean {
  if (filter.length === 0) return false;
  return tokens.every((token) =>
    positions(token, filter.length * 8).every((p) => ((filter[p >> 3] ?? 0) & (1 << (p & 7))) !== 0),
  );
}
