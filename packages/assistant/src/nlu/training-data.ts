import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseIntentCsv } from './dataset.ts';
import { normalizeUtterance } from './features.ts';
import { parseAnnotation, parseTrainsetCsv, type TaggedSentence } from './slot-data.ts';

/** Where the shared data sets live: `../shared/data` beside the checkout, or AURA_SHARED_DATA. */
export const sharedData = () =>
  process.env.AURA_SHARED_DATA ?? new URL('../../../../../shared/data', import.meta.url).pathname;

/** Aura's own requests for the actions it can carry out, labelled with HWU64's intents. */
export const auraRequestsPath = new URL('../../data/aura-requests.csv', import.meta.url);

/**
 * What the builtin intent model is trained on: the HWU64 DialoGLUE train split plus Aura's own
 * action examples. val.csv is never part of it; it is for evaluation.
 */
export function intentTrainingExamples(dataDir = sharedData()) {
  return [
    ...parseIntentCsv(readFileSync(join(dataDir, 'hwu64/dialoglue/train.csv'), 'utf8')),
    ...parseIntentCsv(readFileSync(auraRequestsPath, 'utf8')),
  ];
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

/** The slot tagger's training settings (the script and the reproducibility test share them). */
export const TAGGER_TRAINING = { epochs: 8, seed: 42 };
