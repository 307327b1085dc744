// npm run train:intents:he — builds the homomorphic path's intent model,
// packages/he/model/intent-model-he.bin: the builtin model's recipe (INTENT_RECIPE) on the same
// examples, hashed into 2^12 features instead of 2^15, so that one feature vector fills the 4096
// slots of one CKKS ciphertext at N = 8192 (decision 0021). Deterministic, like train:intents:
// the same data gives the same bytes, and it prints their SHA-256. The test split is never read.
import { createHash } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { HE_MODEL_URL, serializeHeModel } from '@aura/he/model';
import { buildIntentModel } from '../src/nlu/ensemble.ts';
import { HE_INTENT_RECIPE, intentTrainingExamples } from '../src/nlu/training-data.ts';

const examples = intentTrainingExamples();
process.stderr.write(`Training on ${examples.length} utterances in 2^${HE_INTENT_RECIPE.bits} features…\n`);
const started = performance.now();
const model = buildIntentModel(examples, HE_INTENT_RECIPE);
const bytes = serializeHeModel(model);
writeFileSync(HE_MODEL_URL, bytes);
process.stderr.write(
  `Calibration temperatures ${model.members.map((m) => m.temperature).join(', ')}\nWrote ${HE_MODEL_URL.pathname} (${(bytes.length / 1e6).toFixed(2)} MB) in ${((performance.now() - started) / 1000).toFixed(0)} s\n` +
    `sha256 ${createHash('sha256').update(bytes).digest('hex')}\n`,
);
