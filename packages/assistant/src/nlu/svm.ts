import type { EncodedExamples, LinearScorer } from './model.ts';
import { rng, shuffleInPlace } from './model.ts';

export interface SvmOptions {
  /** Cost of a margin violation; larger fits the training data harder. */
  c?: number;
  /** Passes over the examples per intent. */
  iterations?: number;
  seed?: number;
}

/**
 * A one-vs-rest linear SVM with the squared hinge loss (LIBLINEAR's default, -s 1), trained by
 * dual coordinate descent (Hsieh et al., ICML 2008): per intent, minimise
 *   ½‖w‖² + C Σ max(0, 1 − yᵢ w·xᵢ)²
 * through its dual, one αᵢ ≥ 0 at a time, keeping w = Σ αᵢ yᵢ xᵢ. Each step is exact for its
 * coordinate, so there is no learning rate to tune, and a handful of passes converge.
 * The bias is a constant feature of value 1, regularised like the others (as LIBLINEAR's -B 1).
 *
 * Intents are trained one after another in a dense float64 vector (the cache holds it), then
 * stored feature-major like the other scorers.
 */
export function trainSvm(
  { intents, idf, data }: EncodedExamples,
  options: SvmOptions = {},
): Omit<LinearScorer, 'temperature'> {
  const { c = 1, iterations = 10, seed = 42 } = options;
  const k = intents.length;
  const dim = idf.length;
  const n = data.length;
  // The dual of the squared hinge adds αᵢ / 2C to each diagonal entry of Q.
  const diag = 1 / (2 * c);
  const qii = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    const { values } = (data[i] as (typeof data)[number]).x;
    let sq = 1; // the bias feature
    for (let j = 0; j < values.length; j++) sq += (values[j] as number) * (values[j] as number);
    qii[i] = sq + diag;
  }
  const weights = new Float32Array(dim * k);
  const bias = new Float32Array(k);
  const w = new Float64Array(dim);
  const alpha = new Float64Array(n);
  const order = data.map((_, i) => i);
  const random = rng(seed);
  for (let cls = 0; cls < k; cls++) {
    w.fill(0);
    alpha.fill(0);
    let b = 0;
    for (let pass = 0; pass < iterations; pass++) {
      shuffleInPlace(order, random);
      for (const i of order) {
        const { x, y: label } = data[i] as (typeof data)[number];
        const y = label === cls ? 1 : -1;
        const { indices, values } = x;
        let dot = b;
        for (let j = 0; j < indices.length; j++) dot += (w[indices[j] as number] as number) * (values[j] as number);
        const a = alpha[i] as number;
        const g = y * dot - 1 + diag * a;
        // The projected gradient: at αᵢ = 0 only a decrease of the objective inside the
        // feasible set counts.
        const pg = a === 0 ? Math.min(g, 0) : g;
        if (pg === 0) continue;
        const next = Math.max(a - g / (qii[i] as number), 0);
        const d = (next - a) * y;
        if (d === 0) continue;
        alpha[i] = next;
        for (let j = 0; j < indices.length; j++) {
          const f = indices[j] as number;
          w[f] = (w[f] as number) + d * (values[j] as number);
        }
        b += d;
      }
    }
    for (let f = 0; f < dim; f++) weights[f * k + cls] = w[f] as number;
    bias[cls] = b;
  }
  return { weights, bias };
}
