/**
 * Sparse features of an utterance, hashed into a fixed space: word unigrams and bigrams, and
 * character 2- to 5-grams inside words (robust to typos and inflection). FNV-1a keeps the
 * hashing identical on every platform, so a model trained here works in the browser.
 */
export const FEATURE_BITS = 16;
const MASK = (1 << FEATURE_BITS) - 1;

/** FNV-1a, 32 bits, with a seed per feature family. */
export function fnv1a32(text: string, seed: number): number {
  let h = 0x811c9dc5 ^ seed;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}

const fnv1a = (text: string, seed: number) => fnv1a32(text, seed) & MASK;

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

/** Raw term counts, keyed by feature index. */
export function featureCounts(text: string): Map<number, number> {
  const words = normalizeUtterance(text);
  const counts = new Map<number, number>();
  const add = (key: string, seed: number) => {
    const i = fnv1a(key, seed);
    counts.set(i, (counts.get(i) ?? 0) + 1);
  };
  for (let i = 0; i < words.length; i++) {
    const w = words[i] as string;
    add(w, 1);
    if (i + 1 < words.length) add(`${w} ${words[i + 1]}`, 2);
    const padded = `<${w}>`;
    for (let n = 2; n <= 5; n++) for (let j = 0; j + n <= padded.length; j++) add(padded.slice(j, j + n), 10 + n);
  }
  if (words.length === 0) add('<empty>', 3);
  return counts;
}

/** Sublinear TF times IDF, L2-normalised. */
export function vectorize(text: string, idf: Float32Array): SparseVector {
  const counts = featureCounts(text);
  const indices = new Uint32Array(counts.size);
  const values = new Float32Array(counts.size);
  let k = 0;
  let norm = 0;
  for (const [i, c] of counts) {
    const v = (1 + Math.log(c)) * (idf[i] ?? 1);
    indices[k] = i;
    values[k] = v;
    norm += v * v;
    k++;
  }
  norm = Math.sqrt(norm) || 1;
  for (let j = 0; j < values.length; j++) values[j] = (values[j] as number) / norm;
  return { indices, values };
}
