/**
 * Sparse features of an utterance, hashed into a fixed space: word unigrams and bigrams, and
 * character 2- to 5-grams inside words (robust to typos and inflection). FNV-1a keeps the
 * hashing identical on every platform, so a model trained here works in the browser.
 *
 * The space has 2^bits slots; a model records its size as the length of its IDF table, so
 * models hashed into 15 and 16 bits can both be read.
 */
export const FEATURE_BITS = 16;

/** FNV-1a, 32 bits, with a seed per feature family. */
export function fnv1a32(text: string, seed: number): number {
  let h = 0x811c9dc5 ^ seed;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}

export function normalizeUtterance(text: string): string[] {
  return text
    .normalize('NFKC')
    .toLowerCase()
    .replace(/[’']/g, '')
    .split(/[^\p{L}\p{N}]+/u)
    .filter(Boolean);
}

export interface SparseVector {
  indices: Uint32Array;
  values: Float32Array;
}

/**
 * Raw term counts, keyed by feature index. `wordSlots`, when given, collects the indices that
 * word unigrams and bigrams hash to (see `vectorize`).
 */
export function featureCounts(text: string, bits = FEATURE_BITS, wordSlots?: Set<number>): Map<number, number> {
  const mask = (1 << bits) - 1;
  const words = normalizeUtterance(text);
  const counts = new Map<number, number>();
  const add = (key: string, seed: number, word = false) => {
    const i = fnv1a32(key, seed) & mask;
    counts.set(i, (counts.get(i) ?? 0) + 1);
    if (word) wordSlots?.add(i);
  };
  for (let i = 0; i < words.length; i++) {
    const w = words[i] as string;
    add(w, 1, true);
    if (i + 1 < words.length) add(`${w} ${words[i + 1]}`, 2, true);
    const padded = `<${w}>`;
    for (let n = 2; n <= 5; n++) for (let j = 0; j + n <= padded.length; j++) add(padded.slice(j, j + n), 10 + n);
  }
  if (words.length === 0) add('<empty>', 3);
  return counts;
}

/** The number of hash bits of a feature space of this size (a power of two). */
export const bitsOf = (dim: number) => Math.round(Math.log2(dim));

/**
 * Sublinear TF times IDF, L2-normalised, in the feature space that `idf` covers.
 *
 * A word of six letters brings 18 character n-grams and one unigram, so after normalisation
 * the words themselves weigh little; `wordWeight` scales word unigrams and bigrams up before
 * the normalisation (a slot that a word and a character n-gram share counts as a word's).
 */
export function vectorize(text: string, idf: Float32Array, wordWeight = 1): SparseVector {
  const wordSlots = wordWeight === 1 ? undefined : new Set<number>();
  const counts = featureCounts(text, bitsOf(idf.length), wordSlots);
  const indices = new Uint32Array(counts.size);
  const values = new Float32Array(counts.size);
  let k = 0;
  let norm = 0;
  for (const [i, c] of counts) {
    const v = (1 + Math.log(c)) * (idf[i] ?? 1) * (wordSlots?.has(i) ? wordWeight : 1);
    indices[k] = i;
    values[k] = v;
    norm += v * v;
    k++;
  }
  norm = Math.sqrt(norm) || 1;
  for (let j = 0; j < values.length; j++) values[j] = (values[j] as number) / norm;
  return { indices, values };
}
