import { deserializeHeModel, HE_MODEL_URL } from '@aura/he/model';
import { modelBytes, preloadModelBytes } from '#model-bytes';
import { vectorize } from './features.ts';
import { type IntentModel, meanProbabilities, type Prediction, rankedPrediction } from './model.ts';

/**
 * The homomorphic path's intent model (packages/he/model, `npm run train:intents:he`): the
 * builtin recipe in 2^12 hashed features. Its plaintext evaluation (`predict`) is what the
 * encrypted path must agree with; the device needs only its IDF, word weight, intents and
 * temperatures, the server its weights.
 */
let cached: IntentModel | undefined;
export function heIntentModel(): IntentModel {
  cached ??= { version: 2, ...deserializeHeModel(modelBytes(HE_MODEL_URL)) };
  return cached;
}

/** The model file's bytes (its id on the wire is their hash, @aura/he/model `modelId`). */
export const heModelBytes = () => modelBytes(HE_MODEL_URL);

/** Where files cannot be read synchronously (a browser): fetches the model once. */
export const loadHeModel = () => preloadModelBytes([HE_MODEL_URL]);

/** The features of `text` as a dense vector of the model's size: the slots a query encrypts. */
export function denseFeatures(model: IntentModel, text: string): Float64Array {
  const x = vectorize(text, model.idf, model.wordWeight);
  const dense = new Float64Array(model.idf.length);
  for (let j = 0; j < x.indices.length; j++) dense[x.indices[j] as number] = x.values[j] as number;
  return dense;
}

/**
 * The prediction from the members' raw scores, decrypted (member m's score of intent c at
 * m * intents + c): each member's temperature softmax, averaged, as model.ts `probabilities`.
 */
export function predictFromScores(model: IntentModel, scores: Float64Array): Prediction {
  const k = model.intents.length;
  return rankedPrediction(
    model.intents,
    meanProbabilities(model, (_member, m) => scores.subarray(m * k, (m + 1) * k)),
  );
}
