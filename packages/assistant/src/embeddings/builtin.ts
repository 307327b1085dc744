import type { EmbeddingProvider } from '@aura/client';
import { featureCounts, fnv1a32 } from '../nlu/features.ts';

export const BUILTIN_EMBEDDING_DIMS = 256;
const WORD_WEIGHT = 3;

/**
 * The offline embedding, always there: the intent model's hashed features (word unigrams and
 * bigrams, character 2- to 5-grams) folded into 256 dimensions by signed feature hashing
 * (Weinberger et al. 2009) and L2-normalised. It is lexical: it finds "dentists" from "dentist"
 * and survives a typo, but knows nothing of meaning, so "teeth cleaning" is not near "dentist".
 */
export function builtinEmbedding(text: string): Float32Array {
  const words = new Set<number>();
  const counts = featureCounts(text, 16, words);
  const vector = new Float32Array(BUILTIN_EMBEDDING_DIMS);
  for (const [feature, count] of counts) {
    const h = fnv1a32(String(feature), 91);
    const weight = (1 + Math.log(count)) * (words.has(feature) ? WORD_WEIGHT : 1);
    const slot = h % BUILTIN_EMBEDDING_DIMS;
    vector[slot] = (vector[slot] ?? 0) + (h & 0x80000000 ? -weight : weight);
  }
  let norm = 0;
  for (const x of vector) norm += x * x;
  norm = Math.sqrt(norm) || 1;
  for (let i = 0; i < vector.length; i++) vector[i] = (vector[i] ?? 0) / norm;
  return vector;
}

/** The builtin provider: offline, deterministic, the same on every platform. */
export function builtinEmbeddings(): EmbeddingProvider {
  return {
    model: `builtin:ngram-${BUILTIN_EMBEDDING_DIMS}-v1`,
    embed: async (texts) => texts.map(builtinEmbedding),
  };
}
