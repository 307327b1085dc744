// npm run eval:he [-- --no-cost] — the homomorphic intent path, measured:
// 1. What the smaller feature space costs: INTENT_RECIPE in 2^15 features (the builtin model) and
//    in 2^12 (HE_INTENT_RECIPE), each trained on HWU64's DialoGLUE train split and Aura's examples
//    and scored on the validation split it did not see (the test split is not in shared/data).
// 2. Agreement: every utterance of the validation split through the shipped HE model, encrypted
//    on a device key, evaluated by @aura/he/server, decrypted: the intent must be the plaintext
//    model's. Also the largest score error and the times of each side.
// 3. The README's example request under both models.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { generateDeviceKeys, HeSession } from '@aura/he/client';
import { scoreRows } from '@aura/he/model';
import { LinearEvaluator } from '@aura/he/server';
import { builtinIntentModel } from '../src/nlu/builtin-model.ts';
import { parseIntentCsv } from '../src/nlu/dataset.ts';
import { buildIntentModel } from '../src/nlu/ensemble.ts';
import { denseFeatures, heIntentModel, predictFromScores } from '../src/nlu/he-model.ts';
import { type IntentModel, predict, scoresOf } from '../src/nlu/model.ts';
import { auraRequestsPath, HE_INTENT_RECIPE, INTENT_RECIPE, sharedData } from '../src/nlu/training-data.ts';

const csv = (path: string) => parseIntentCsv(readFileSync(path, 'utf8'));
const val = csv(join(sharedData(), 'hwu64/dialoglue/val.csv'));
const accuracy = (model: IntentModel) =>
  val.filter((e) => predict(model, e.text).intent === e.intent).length / val.length;
const pct = (x: number) => `${(x * 100).toFixed(2)}%`;

if (!process.argv.includes('--no-cost')) {
  const train = [...csv(join(sharedData(), 'hwu64/dialoglue/train.csv')), ...csv(auraRequestsPath.pathname)];
  process.stderr.write(`Training both recipes on ${train.length} utterances (train split + Aura's)…\n`);
  const full = accuracy(buildIntentModel(train, INTENT_RECIPE));
  const small = accuracy(buildIntentModel(train, HE_INTENT_RECIPE));
  console.log(`held-out accuracy on val (${val.length}): 2^15 features ${pct(full)}, 2^12 features ${pct(small)}`);
  console.log(`cost of the smaller space: ${((full - small) * 100).toFixed(2)} points`);
}

const model = heIntentModel();
const evaluator = await LinearEvaluator.create(scoreRows(model));
const keys = await generateDeviceKeys(evaluator.layout.steps);
const session = await HeSession.open(keys.secretKey);
const galois = evaluator.loadKeys(keys.galoisKeys);
const k = model.intents.length;
const rows = k * model.members.length;
let agree = 0;
let correctPlain = 0;
let correctHe = 0;
let worst = 0;
const time = { encrypt: 0, evaluate: 0, decrypt: 0 };
for (const e of val) {
  const plain = predict(model, e.text);
  let t = performance.now();
  const query = session.encrypt(denseFeatures(model, e.text));
  time.encrypt += performance.now() - t;
  t = performance.now();
  const result = await evaluator.evaluate(galois, query);
  time.evaluate += performance.now() - t;
  t = performance.now();
  const scores = session.decrypt(result, rows);
  const he = predictFromScores(model, scores);
  time.decrypt += performance.now() - t;
  const x = denseFeatures(model, e.text);
  const indices = Uint32Array.from(x.keys()).filter((i) => x[i] !== 0);
  const sparse = { indices, values: Float32Array.from(indices, (i) => x[i] as number) };
  model.members.forEach((member, m) => {
    const z = scoresOf(member, sparse, k);
    for (let c = 0; c < k; c++) worst = Math.max(worst, Math.abs((z[c] as number) - (scores[m * k + c] as number)));
  });
  if (he.intent === plain.intent) agree++;
  if (plain.intent === e.intent) correctPlain++;
  if (he.intent === e.intent) correctHe++;
}
const n = val.length;
console.log(`agreement on val: ${agree}/${n} (${pct(agree / n)}); largest score error ${worst.toExponential(2)}`);
console.log(
  `accuracy on val (trained on it, as the shipped model is): plaintext HE model ${pct(correctPlain / n)}, encrypted path ${pct(correctHe / n)}, builtin model ${pct(accuracy(builtinIntentModel()))}`,
);
console.log(
  `mean ms per request: encrypt ${(time.encrypt / n).toFixed(1)}, evaluate ${(time.evaluate / n).toFixed(1)}, decrypt + softmax ${(time.decrypt / n).toFixed(1)}`,
);
const example = 'Schedule a meeting with John tomorrow at 3pm';
console.log(
  `"${example}": builtin ${predict(builtinIntentModel(), example).intent}, HE model ${predict(model, example).intent}`,
);
