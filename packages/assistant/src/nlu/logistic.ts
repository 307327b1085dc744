import type { EncodedExamples, LinearScorer } from './model.ts';
import { rng, shuffleInPlace, softmax } from './model.ts';

export interface LogisticOptions {
  epochs?: number;
  learningRate?: number;
  l2?: number;
  seed?: number;
}

/**
 * Multinomial logistic regression by SGD on the softmax cross-entropy, examples shuffled with
 * a fixed seed each epoch, the step decaying as 1 / (1 + epoch / 2).
 *
 * An example updates only the intents whose gradient is not negligible (|p - y| >= 1e-4):
 * after a few epochs that is a handful of the 64, which is most of the speed.
 */
export function trainLogistic(
  { intents, idf, data }: EncodedExamples,
  options: LogisticOptions = {},
): Omit<LinearScorer, 'temperature'> {
  const { epochs = 12, learningRate = 0.5, l2 = 1e-6, seed = 42 } = options;
  const k = intents.length;
  const w = new Float32Array(idf.length * k);
  const bias = new Float32Array(k);
  const z = new Float64Array(k);
  const p = new Float64Array(k);
  const touched = new Int32Array(k);
  const step = new Float64Array(k);
  const random = rng(seed);
  const order = data.map((_, i) => i);
  for (let epoch = 0; epoch < epochs; epoch++) {
    shuffleInPlace(order, random);
    const lr = learningRate / (1 + epoch * 0.5);
    const decay = 1 - lr * l2;
    for (const n of order) {
      const { x, y } = data[n] as (typeof data)[number];
      const { indices, values } = x;
      const nnz = indices.length;
      for (let c = 0; c < k; c++) z[c] = bias[c] as number;
      for (let j = 0; j < nnz; j++) {
        const base = (indices[j] as number) * k;
        const v = values[j] as number;
        for (let c = 0; c < k; c++) z[c] = (z[c] as number) + (w[base + c] as number) * v;
      }
      softmax(z, 1, p);
      let active = 0;
      for (let c = 0; c < k; c++) {
        const g = (p[c] as number) - (c === y ? 1 : 0);
        if (Math.abs(g) < 1e-4) continue;
        touched[active] = c;
        step[active] = lr * g;
        active++;
        bias[c] = (bias[c] as number) - lr * g * 0.1;
      }
      for (let j = 0; j < nnz; j++) {
        const base = (indices[j] as number) * k;
        const v = values[j] as number;
        for (let a = 0; a < active; a++) {
          const at = base + (touched[a] as number);
          w[at] = (w[at] as number) * decay - (step[a] as number) * v;
        }
      }
    }
  }
  return { weights: w, bias };
}
