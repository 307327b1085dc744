// npm run train:intents — builds model/intent-model.bin from the HWU64 DialoGLUE train split.
// Deterministic: the same data gives the same bytes (fixed seed, no timestamps); it prints the
// SHA-256 so two builds can be compared. val.csv is never read here: it is for evaluation.
import { createHash } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { serializeModel } from '../src/nlu/artifact.ts';
import { parseIntentCsv } from '../src/nlu/dataset.ts';
import { buildIntentModel } from '../src/nlu/model.ts';

const data = process.env.AURA_SHARED_DATA ?? new URL('../../../../shared/data', import.meta.url).pathname;
const examples = parseIntentCsv(readFileSync(join(data, 'hwu64/dialoglue/train.csv'), 'utf8'));
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
