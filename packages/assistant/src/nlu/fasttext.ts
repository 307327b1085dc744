import type { EncodedExamples, LinearScorer } from './model.ts';
import { rng, shuffleInPlace, softmax } from './model.ts';

export interface FastTextOptions {
  /** The size of the hidden representation (the rank of the scorer). */
  dim?: number;
  epochs?: number;
  /** The initial step, decaying linearly to 0 over the whole training (as fastText's). */
  learningRate?: number;
  seed?: number;
}

/**
 * A fastText-style supervised classifier (Joulin et al. 2016): each feature has an embedding
 * `E[f]` of `dim` numbers, an utterance is the weighted sum of its features' embeddings
 * (`h = Σ x_f E[f]`, over the same TF-IDF vector as the other scorers), and a softmax layer
 * `O h + b` scores the intents; both are trained together by SGD on the cross-entropy, examples
 * shuffled with a fixed seed each epoch, the embeddings initialised from the same seed.
 *
 * With no non-linearity between them the two layers are one linear map of rank `dim`, so the
 * trained model is stored like the other scorers, `weights[f * k + c] = E[f] · O[c]`: the file
 * format and `predict` do not change. It is not another linear model fitted the same way,
 * though: the shared low-rank embedding lets intents learn from each other's examples, and its
 * errors differ enough from the SVM's that the two are better averaged than either alone
 * (docs/decisions/0014-intent-model.md).
 */
export function trainFastText(
  { intents, idf, data }: EncodedExamples,
  options: FastTextOptions = {},
): Omit<LinearScorer, 'temperature'> {
  const { dim: d = 32, epochs = 10, learningRate = 0.2, seed = 42 } = options;
  const k = intents.length;
  const features = idf.length;
  const random = rng(seed);
  const embed = new Float32Array(features * d);
  for (let i = 0; i < embed.length; i++) embed[i] = (random() - 0.5) * 0.2;
  const out = new Float64Array(k * d);
  const bias = new Float64Array(k);
  const h = new Float64Array(d);
  const gh = new Float64Array(d);
  const z = new Float64Array(k);
  const p = new Float64Array(k);
  const order = data.map((_, i) => i);
  const total = epochs * order.length;
  let t = 0;
  for (let epoch = 0; epoch < epochs; epoch++) {
    shuffleInPlace(order, random);
    for (const n of order) {
      const lr = learningRate * (1 - t++ / total);
      const { x, y } = data[n] as (typeof data)[number];
      const { indices, values } = x;
      h.fill(0);
      for (let j = 0; j < indices.length; j++) {
        const base = (indices[j] as number) * d;
        const v = values[j] as number;
        for (let a = 0; a < d; a++) h[a] = (h[a] as number) + (embed[base + a] as number) * v;
      }
      for (let c = 0; c < k; c++) {
        let s = bias[c] as number;
        const base = c * d;
        for (let a = 0; a < d; a++) s += (out[base + a] as number) * (h[a] as number);
        z[c] = s;
      }
      softmax(z, 1, p);
      gh.fill(0);
      for (let c = 0; c < k; c++) {
        const g = (p[c] as number) - (c === y ? 1 : 0);
        // Most intents' gradients vanish after an epoch or two; skipping them is most of the speed.
        if (Math.abs(g) < 1e-5) continue;
        const base = c * d;
        for (let a = 0; a < d; a++) {
          gh[a] = (gh[a] as number) + g * (out[base + a] as number);
          out[base + a] = (out[base + a] as number) - lr * g * (h[a] as number);
        }
        bias[c] = (bias[c] as number) - lr * g;
      }
      for (let j = 0; j < indices.length; j++) {
        const base = (indices[j] as number) * d;
        const v = (values[j] as number) * lr;
        for (let a = 0; a < d; a++) embed[base + a] = (embed[base + a] as number) - v * (gh[a] as number);
      }
    }
  }
  const weights = new Float32Array(features * k);
  for (let f = 0; f < features; f++)
    for (let c = 0; c < k; c++) {
      let s = 0;
      for (let a = 0; a < d; a++) s += (embed[f * d + a] as number) * (out[c * d + a] as number);
      weights[f * k + c] = s;
    }
  return { weights, bias: Float32Array.from(bias) };
}
