import { type FastTextOptions, trainFastText } from './fasttext.ts';
import { FEATURE_BITS } from './features.ts';
import { type LogisticOptions, trainLogistic } from './logistic.ts';
import {
  type EncodedExamples,
  encodeExamples,
  fitTemperature,
  type IntentExample,
  type IntentModel,
  type LinearScorer,
  rng,
} from './model.ts';
import { type SvmOptions, trainSvm } from './svm.ts';

export type ScorerSpec =
  | { kind: 'logistic'; options?: LogisticOptions }
  | { kind: 'svm'; options?: SvmOptions }
  | { kind: 'fasttext'; options?: FastTextOptions };

/** How a model is built: the feature space, its scorers, and the seed of the calibration split. */
export interface IntentRecipe {
  bits?: number;
  /** See features.ts `vectorize`. */
  wordWeight?: number;
  seed?: number;
  members: ScorerSpec[];
}

function trainScorer(encoded: EncodedExamples, spec: ScorerSpec): Omit<LinearScorer, 'temperature'> {
  switch (spec.kind) {
    case 'svm':
      return trainSvm(encoded, spec.options);
    case 'fasttext':
      return trainFastText(encoded, spec.options);
    default:
      return trainLogistic(encoded, spec.options);
  }
}

/**
 * Each scorer's temperature is fitted on a seeded 10% of the examples with that scorer trained
 * on the other 90%; the scorer itself is then trained on all of them. Probabilities are only
 * averaged after calibration: an SVM's margins and a logistic regression's logits are on
 * different scales, and an uncalibrated average would be the SVM's vote alone (a fastText
 * scorer's logits are on the logistic regression's scale).
 */
export function buildIntentModel(examples: IntentExample[], recipe: IntentRecipe): IntentModel {
  const { bits = FEATURE_BITS, wordWeight = 1, seed = 42, members } = recipe;
  const random = rng(seed);
  const shuffled = examples
    .map((e) => ({ e, r: random() }))
    .sort((a, b) => a.r - b.r)
    .map((x) => x.e);
  const cut = Math.floor(shuffled.length * 0.9);
  const intents = [...new Set(examples.map((e) => e.intent))].sort();
  const inner = encodeExamples(shuffled.slice(0, cut), { bits, wordWeight, intents });
  const full = encodeExamples(examples, { bits, wordWeight, intents });
  return {
    version: 2,
    intents,
    idf: full.idf,
    wordWeight,
    members: members.map((spec) => {
      const temperature = fitTemperature(trainScorer(inner, spec), inner, shuffled.slice(cut));
      return { ...trainScorer(full, spec), temperature };
    }),
  };
}

/** One model of the scorers of several built on the same examples in the same feature space. */
export function combineModels(models: IntentModel[]): IntentModel {
  const [first, ...rest] = models;
  if (!first) throw new Error('combineModels: no models');
  for (const m of rest) {
    const same =
      m.intents.join('\n') === first.intents.join('\n') &&
      m.wordWeight === first.wordWeight &&
      m.idf.length === first.idf.length &&
      m.idf.every((v, i) => v === first.idf[i]);
    if (!same) throw new Error('combineModels: the models were not built on the same examples and features');
  }
  return { ...first, members: models.flatMap((m) => m.members) };
}
