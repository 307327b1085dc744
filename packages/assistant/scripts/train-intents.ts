// npm run train:intents — builds model/intent-model.bin from the HWU64 DialoGLUE train split
// and Aura's own action examples (data/aura-requests.csv).
// Deterministic: the same data gives the same bytes (fixed seed, no timestamps); it prints the
// SHA-256 so two builds can be compared. val.csv is never read here: it is for evaluation.
import { createHash } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { serializeModel } from '../src/nlu/artifact.ts';
import { buildIntentModel } from '../src/nlu/model.ts';
import { intentTrainingExamples } from '../src/nlu/training-data.ts';

const examples = intentTrainingExamples();
process.stderr.write(
  `Training on ${examples.length} utterances, ${new Set(examples.map((e) => e.intent)).size} intents…\n`,
);
const started = performance.now();
const model = buildIntentModel(examples, { epochs: 20, learningRate: 1.0, seed: 42 });
const bytes = serializeModel(model);
const out = new URL('../model/intent-model.bin', import.meta.url);
writeFileSync(out, bytes);
process.stderr.write(
  `Calibration temperature ${model.temperature}\nWrote ${out.pathname} (${(bytes.length / 1e6).toFixed(2)} MB) in ${((performance.now() - started) / 1000).toFixed(0)} s\n` +
    `sha256 ${createHash('sha256').update(bytes).digest('hex')}\n`,
);
