// npm run train:intents — builds model/intent-model.bin from HWU64's DialoGLUE train and
// validation splits and Aura's own action examples (data/aura-requests.csv), with the recipe
// that cross-validation chose (INTENT_RECIPE; npm run cv:intents compares the candidates).
// Deterministic: the same data gives the same bytes (fixed seeds, no timestamps); it prints the
// SHA-256 so two builds can be compared. The test split is never read here.
import { createHash } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { serializeModel } from '../src/nlu/artifact.ts';
import { buildIntentModel } from '../src/nlu/ensemble.ts';
import { INTENT_RECIPE, intentTrainingExamples } from '../src/nlu/training-data.ts';

const examples = intentTrainingExamples();
process.stderr.write(
  `Training on ${examples.length} utterances, ${new Set(examples.map((e) => e.intent)).size} intents…\n`,
);
const started = performance.now();
const model = buildIntentModel(examples, INTENT_RECIPE);
const bytes = serializeModel(model);
const out = new URL('../model/intent-model.bin', import.meta.url);
writeFileSync(out, bytes);
process.stderr.write(
  `Calibration temperatures ${model.members.map((m) => m.temperature).join(', ')}\nWrote ${out.pathname} (${(bytes.length / 1e6).toFixed(2)} MB) in ${((performance.now() - started) / 1000).toFixed(0)} s\n` +
    `sha256 ${createHash('sha256').update(bytes).digest('hex')}\n`,
);
