import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseIntentCsv } from './dataset.ts';
import type { IntentRecipe } from './ensemble.ts';
import { normalizeUtterance } from './features.ts';
import { parseAnnotation, parseTrainsetCsv, type TaggedSentence } from './slot-data.ts';

/** Where the shared data sets live: `../shared/data` beside the checkout, or AURA_SHARED_DATA. */
export const sharedData = () =>
  process.env.AURA_SHARED_DATA ?? new URL('../../../../../shared/data', import.meta.url).pathname;

/** Aura's own requests for the actions it can carry out, labelled with HWU64's intents. */
export const auraRequestsPath = new URL('../../data/aura-requests.csv', import.meta.url);

/** HWU64's labelled utterances that may be trained on: the DialoGLUE train and validation splits. */
export function hwu64TrainingPool(dataDir = sharedData()) {
  return [
    ...parseIntentCsv(readFileSync(join(dataDir, 'hwu64/dialoglue/train.csv'), 'utf8')),
    ...parseIntentCsv(readFileSync(join(dataDir, 'hwu64/dialoglue/val.csv'), 'utf8')),
  ];
}

/**
 * What the builtin intent model is trained on: the HWU64 DialoGLUE train and validation splits
 * plus Aura's own action examples. The model was chosen by cross-validation over train + val
 * (scripts/cv-intents.ts), so val.csv no longer needs to stay out, and 1,076 more utterances
 * help more than a held-out split that the choice does not use. The test split never is
 * trained on.
 */
export function intentTrainingExamples(dataDir = sharedData()) {
  return [...hwu64TrainingPool(dataDir), ...parseIntentCsv(readFileSync(auraRequestsPath, 'utf8'))];
}

/**
 * HWU64's slot annotations (trainset/*.csv), split so that the utterances of val.csv are held
 * out: the tagger is scored on sentences it never saw, like the intent model.
 */
export function slotTrainingSentences(dataDir = sharedData()) {
  const dir = join(dataDir, 'hwu64/trainset');
  const val = new Set(
    parseIntentCsv(readFileSync(join(dataDir, 'hwu64/dialoglue/val.csv'), 'utf8')).map((e) =>
      normalizeUtterance(e.text).join(' '),
    ),
  );
  const train: TaggedSentence[] = [];
  const heldOut: TaggedSentence[] = [];
  for (const file of readdirSync(dir)
    .filter((f) => f.endsWith('.csv'))
    .sort()) {
    for (const row of parseTrainsetCsv(readFileSync(join(dir, file), 'utf8'))) {
      const sentence = parseAnnotation(row.annotation);
      if (sentence.tokens.length === 0) continue;
      (val.has(normalizeUtterance(row.text).join(' ')) ? heldOut : train).push(sentence);
    }
  }
  return { train, heldOut };
}

/**
 * The builtin intent model's recipe (the training script and the reproducibility test share
 * it); docs/decisions/0014-intent-model.md says why this one.
 */
export const INTENT_RECIPE: IntentRecipe = {
  bits: 15,
  wordWeight: 2,
  seed: 42,
  members: [
    { kind: 'svm', options: { c: 1, iterations: 10, seed: 42 } },
    { kind: 'fasttext', options: { dim: 32, epochs: 10, learningRate: 0.2, seed: 42 } },
  ],
};

/** The slot tagger's training settings (the script and the reproducibility test share them). */
export const TAGGER_TRAINING = { epochs: 8, seed: 42 };

/**
 * The homomorphic path's model (packages/he, decision 0021): the same recipe in 2^12 hashed
 * features, the slots of one CKKS ciphertext at N = 8192.
 */
export const HE_INTENT_RECIPE: IntentRecipe = { ...INTENT_RECIPE, bits: 12 };
