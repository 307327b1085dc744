import { FEATURE_BITS, featureCounts, type SparseVector, vectorize } from './features.ts';

export interface IntentExample {
  text: string;
  intent: string;
}

/**
 * One linear scorer over the hashed TF-IDF features, with the softmax temperature that
 * calibrates it (fitted on held-out data). Weights are feature-major, `weights[feature * k +
 * intent]`: an utterance touches a few hundred features, and each one's scores for all intents
 * then sit in one or two cache lines instead of k lines spread over megabytes.
 */
export interface LinearScorer {
  weights: Float32Array;
  bias: Float32Array;
  temperature: number;
}

/**
 * The intent model: one or more calibrated linear scorers (logistic regression, linear SVM,
 * fastText-style low-rank softmax)
 * over the same features; their probabilities are averaged. Small (int8 weights, see
 * artifact.ts) and fast (one sparse dot product per intent and scorer).
 */
export interface IntentModel {
  version: 2;
  intents: string[];
  /** One entry per feature slot: its length is the size of the hashed feature space. */
  idf: Float32Array;
  /** How much word n-grams weigh against character n-grams (features.ts `vectorize`). */
  wordWeight: number;
  members: LinearScorer[];
}

/** The size of the default feature space (16 bits). */
export const DIM = 1 << FEATURE_BITS;

export interface Prediction {
  intent: string;
  confidence: number;
  ranked: { intent: string; probability: number }[];
}

/** Examples turned into vectors of one feature space, labels into indices of `intents`. */
export interface EncodedExamples {
  intents: string[];
  idf: Float32Array;
  wordWeight: number;
  data: { x: SparseVector; y: number }[];
}

/** Smoothed IDF over `examples` in a space of 2^bits features, and every example vectorised in it. */
export function encodeExamples(
  examples: IntentExample[],
  { bits = FEATURE_BITS, wordWeight = 1, intents }: { bits?: number; wordWeight?: number; intents?: string[] } = {},
): EncodedExamples {
  const names = intents ?? [...new Set(examples.map((e) => e.intent))].sort();
  const index = new Map(names.map((intent, i) => [intent, i]));
  const dim = 1 << bits;
  const df = new Float32Array(dim);
  for (const e of examples) for (const i of featureCounts(e.text, bits).keys()) df[i] = (df[i] as number) + 1;
  const idf = new Float32Array(dim);
  for (let i = 0; i < dim; i++) idf[i] = Math.log((1 + examples.length) / (1 + (df[i] as number))) + 1;
  const data = examples.map((e) => ({ x: vectorize(e.text, idf, wordWeight), y: index.get(e.intent) as number }));
  return { intents: names, idf, wordWeight, data };
}

/** Raw scores of one scorer: bias plus the sparse dot product, summed in feature order. */
export function scoresOf(member: LinearScorer, x: SparseVector, k: number, out = new Float64Array(k)): Float64Array {
  const { weights, bias } = member;
  for (let c = 0; c < k; c++) out[c] = bias[c] as number;
  for (let j = 0; j < x.indices.length; j++) {
    const base = (x.indices[j] as number) * k;
    const v = x.values[j] as number;
    for (let c = 0; c < k; c++) out[c] = (out[c] as number) + (weights[base + c] as number) * v;
  }
  return out;
}

/** softmax(z / temperature) into `out`. */
export function softmax(z: Float64Array, temperature = 1, out = new Float64Array(z.length)): Float64Array {
  let max = -Infinity;
  for (let i = 0; i < z.length; i++) max = Math.max(max, (z[i] as number) / temperature);
  let sum = 0;
  for (let i = 0; i < z.length; i++) {
    out[i] = Math.exp((z[i] as number) / temperature - max);
    sum += out[i] as number;
  }
  for (let i = 0; i < z.length; i++) out[i] = (out[i] as number) / sum;
  return out;
}

/** The mean of the members' calibrated probabilities, given each member's raw scores. */
export function meanProbabilities(
  model: IntentModel,
  rawScores: (member: LinearScorer, m: number) => Float64Array,
): Float64Array {
  const k = model.intents.length;
  const p = new Float64Array(k);
  const q = new Float64Array(k);
  model.members.forEach((member, m) => {
    softmax(rawScores(member, m), member.temperature, q);
    for (let c = 0; c < k; c++) p[c] = (p[c] as number) + (q[c] as number) / model.members.length;
  });
  return p;
}

/** The mean of the members' calibrated probabilities. */
export function probabilities(model: IntentModel, text: string): Float64Array {
  const k = model.intents.length;
  const x = vectorize(text, model.idf, model.wordWeight);
  const z = new Float64Array(k);
  return meanProbabilities(model, (member) => scoresOf(member, x, k, z));
}

/** The best intent of probabilities `p` (one per intent of `intents`), and the first five. */
export function rankedPrediction(intents: readonly string[], p: Float64Array): Prediction {
  const ranked = intents
    .map((intent, i) => ({ intent, probability: p[i] as number }))
    .sort((a, b) => b.probability - a.probability);
  const best = ranked[0] ?? { intent: 'unknown', probability: 0 };
  return { intent: best.intent, confidence: best.probability, ranked: ranked.slice(0, 5) };
}

export function predict(model: IntentModel, text: string): Prediction {
  return rankedPrediction(model.intents, probabilities(model, text));
}

/** Deterministic PRNG (mulberry32), so training gives the same bytes every time. */
export function rng(seed: number) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Fisher–Yates with a seeded generator. */
export function shuffleInPlace<T>(items: T[], random: () => number): T[] {
  for (let i = items.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [items[i], items[j]] = [items[j] as T, items[i] as T];
  }
  return items;
}

/**
 * The softmax temperature that minimises the negative log-likelihood of one scorer on
 * held-out examples (vectorised as the scorer was trained), on a grid from 0.05 to 4.
 */
export function fitTemperature(
  member: Omit<LinearScorer, 'temperature'>,
  { intents, idf, wordWeight }: Omit<EncodedExamples, 'data'>,
  heldOut: IntentExample[],
): number {
  const index = new Map(intents.map((intent, i) => [intent, i]));
  const k = intents.length;
  const logits = heldOut
    .filter((e) => index.has(e.intent))
    .map((e) => ({
      z: scoresOf({ ...member, temperature: 1 }, vectorize(e.text, idf, wordWeight), k),
      y: index.get(e.intent) as number,
    }));
  const p = new Float64Array(k);
  let best = { t: 1, nll: Infinity };
  // Margin losses (the SVM's) give small raw scores, so the grid reaches well below 0.2.
  for (let step = 1; step <= 80; step++) {
    const t = step * 0.05;
    let nll = 0;
    for (const { z, y } of logits) nll -= Math.log(Math.max(1e-12, softmax(z, t, p)[y] as number));
    if (nll < best.nll) best = { t: Math.round(t * 100) / 100, nll };
  }
  return best.t;
}
