import { AuraError } from '@aura/errors';
import { hmac } from '@noble/hashes/hmac.js';
import { sha256 } from '@noble/hashes/sha2.js';
import { assertString, concatBytes, utf8ToBytes } from './bytes.ts';
import { assertKey, type SymmetricKey } from './key.ts';

/**
 * Blind-index tokens: keyed hashes of normalised words, so the server can match a search
 * token against stored tokens without learning the words. What they leak is written down in
 * docs/blind-index-leakage.md.
 */
export interface BlindIndexOptions {
  /** Also emit tokens for each prefix of at least this many characters ("joh" finds "john"). */
  readonly prefixMin?: number;
  /** Keep this many bits of each token (8..256). Fewer bits, more collisions, less leakage. */
  readonly bits?: number;
  /** Ignore words shorter than this (default 1). */
  readonly minLength?: number;
}

export const DEFAULT_TOKEN_BITS = 32;
const LABEL = utf8ToBytes('aura/v1/blind-index-token\0');
const WORD = /[\p{L}\p{M}\p{N}]+/gu;
const MAX_WORD_CHARS = 64;

/**
 * NFKC, then full case folding as far as JavaScript offers it: upper- then lower-casing maps
 * "ß" to "ss" and "ﬁ" to "fi" (plain toLowerCase does not), then NFKC again since casing can
 * denormalise. Locale-independent on purpose: the same word must give the same token on
 * every device.
 */
export function normalizeText(text: string): string {
  assertString(text, 'text');
  return text.normalize('NFKC').toUpperCase().toLowerCase().normalize('NFKC');
}

/** Distinct normalised words of a text, in first-seen order. */
export function tokenize(text: string, minLength = 1): string[] {
  const seen = new Set<string>();
  for (const match of normalizeText(text).matchAll(WORD)) {
    const word = Array.from(match[0]).slice(0, MAX_WORD_CHARS).join('');
    if (Array.from(word).length >= minLength) seen.add(word);
  }
  return [...seen];
}

function checkOptions(options: BlindIndexOptions): Required<BlindIndexOptions> {
  const bits = options.bits ?? DEFAULT_TOKEN_BITS;
  if (!Number.isInteger(bits) || bits < 8 || bits > 256) {
    throw new AuraError('AURA_INVALID_INPUT', 'blind index bits must be an integer from 8 to 256');
  }
  const prefixMin = options.prefixMin ?? 0;
  if (!Number.isInteger(prefixMin) || prefixMin < 0) {
    throw new AuraError('AURA_INVALID_INPUT', 'prefixMin must be a non-negative integer');
  }
  const minLength = options.minLength ?? 1;
  if (!Number.isInteger(minLength) || minLength < 1) {
    throw new AuraError('AURA_INVALID_INPUT', 'minLength must be a positive integer');
  }
  return { bits, prefixMin, minLength };
}

function tokenFor(key: SymmetricKey, term: string, bits: number): Uint8Array {
  const mac = hmac(sha256, key.bytes, concatBytes(LABEL, utf8ToBytes(term)));
  const out = mac.slice(0, Math.ceil(bits / 8));
  const spare = out.length * 8 - bits;
  if (spare > 0) out[out.length - 1] = (out[out.length - 1] ?? 0) & (0xff << spare) & 0xff;
  return out;
}

/** The terms a text is indexed under: each word and, optionally, its prefixes. */
export function indexTerms(text: string, options: BlindIndexOptions = {}): string[] {
  const { prefixMin, minLength } = checkOptions(options);
  const terms = new Set<string>();
  for (const word of tokenize(text, minLength)) {
    terms.add(word);
    if (prefixMin > 0) {
      const chars = Array.from(word);
      for (let n = prefixMin; n < chars.length; n++) terms.add(chars.slice(0, n).join(''));
    }
  }
  return [...terms];
}

/** Tokens to store beside a record for this field. Deduplicated, in a stable order. */
export function blindIndexTokens(key: SymmetricKey, text: string, options: BlindIndexOptions = {}): Uint8Array[] {
  assertKey(key, 'blind-index');
  const { bits } = checkOptions(options);
  const unique = new Map<string, Uint8Array>();
  for (const term of indexTerms(text, options)) {
    const token = tokenFor(key, term, bits);
    unique.set(Array.from(token).join(','), token);
  }
  return [...unique.values()];
}

/** Tokens to search with: one per query word, whole words only (prefix matching comes from indexing). */
export function blindSearchTokens(key: SymmetricKey, query: string, options: BlindIndexOptions = {}): Uint8Array[] {
  assertKey(key, 'blind-index');
  const { bits, minLength } = checkOptions(options);
  return tokenize(query, minLength).map((word) => tokenFor(key, word, bits));
}
