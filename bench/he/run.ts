// npm run bench:he [-- --quick] — homomorphic intent analysis, per request: the device's
// encryption, the server's evaluation (wall and CPU time), the device's decryption, the bytes
// on the wire, and the whole POST /api/v1/ai/inference/he through a real app (inject, on a fresh
// PostgreSQL database); against the plaintext HE model and the builtin model in the same run.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { generateDeviceKeys, HeSession } from '@aura/he/client';
import { deserializeHeModel, HE_MODEL_URL, modelId, scoreRows } from '@aura/he/model';
import { LinearEvaluator } from '@aura/he/server';
import { sharedDataDir, startTestServer, TestUser } from '@aura/testing';
import {
  builtinIntentModel,
  denseFeatures,
  heIntentModel,
  predict,
  predictFromScores,
} from '../../packages/assistant/src/index.ts';
import { parseIntentCsv } from '../../packages/assistant/src/nlu/dataset.ts';
import { percentile } from '../support.ts';

const quick = process.argv.includes('--quick');
const N = quick ? 20 : 100;
const texts = parseIntentCsv(readFileSync(join(sharedDataDir(), 'hwu64/dialoglue/val.csv'), 'utf8'))
  .slice(0, N)
  .map((e) => e.text);
const model = heIntentModel();
const builtin = builtinIntentModel();
const rows = model.intents.length * model.members.length;
const ms = (samples: number[]) =>
  `p50 ${percentile(samples, 50).toFixed(2)} ms, p99 ${percentile(samples, 99).toFixed(2)} ms`;
const cpuMs = () => {
  const { user, system } = process.cpuUsage();
  return (user + system) / 1000;
};

// In process: the three sides alone.
const bytes = new Uint8Array(readFileSync(HE_MODEL_URL));
let t = performance.now();
const evaluator = await LinearEvaluator.create(scoreRows(deserializeHeModel(bytes)));
const setupMs = performance.now() - t;
t = performance.now();
const keys = await generateDeviceKeys(evaluator.layout.steps);
const keygenMs = performance.now() - t;
const session = await HeSession.open(keys.secretKey);
const galois = evaluator.loadKeys(keys.galoisKeys);
const encrypt: number[] = [];
const evaluate: number[] = [];
const evaluateCpu: number[] = [];
const decrypt: number[] = [];
const plainHe: number[] = [];
const plainBuiltin: number[] = [];
let agree = 0;
let queryBytes = 0;
let resultBytes = 0;
for (const text of texts) {
  t = performance.now();
  const query = session.encrypt(denseFeatures(model, text));
  encrypt.push(performance.now() - t);
  const cpu = cpuMs();
  t = performance.now();
  const result = await evaluator.evaluate(galois, query);
  evaluate.push(performance.now() - t);
  evaluateCpu.push(cpuMs() - cpu);
  t = performance.now();
  const he = predictFromScores(model, session.decrypt(result, rows));
  decrypt.push(performance.now() - t);
  t = performance.now();
  const plain = predict(model, text);
  plainHe.push(performance.now() - t);
  t = performance.now();
  predict(builtin, text);
  plainBuiltin.push(performance.now() - t);
  if (plain.intent === he.intent) agree++;
  queryBytes = query.length;
  resultBytes = result.length;
}

// Through the app: JSON and base64 included, the CPU of the process while the request ran.
const server = await startTestServer({ AURA_RATE_LIMIT_AI: '100000' });
const route: number[] = [];
const routeCpu: number[] = [];
let requestJson = 0;
let responseJson = 0;
let keysJson = 0;
try {
  const user = await new TestUser((o) => server.app.inject(o)).register();
  await user.login();
  const upload = JSON.stringify({ galoisKeys: Buffer.from(keys.galoisKeys).toString('base64') });
  keysJson = upload.length;
  const put = await server.app.inject({
    method: 'PUT',
    url: '/api/v1/ai/inference/he/keys',
    headers: { ...user.auth, 'content-type': 'application/json' },
    payload: upload,
  });
  if (put.statusCode !== 200) throw new Error(`key upload: ${put.statusCode} ${put.body}`);
  const id = await modelId(bytes);
  for (const text of texts) {
    const payload = JSON.stringify({
      keySetId: keys.keySetId,
      modelId: id,
      ciphertext: Buffer.from(session.encrypt(denseFeatures(model, text))).toString('base64'),
    });
    const cpu = cpuMs();
    t = performance.now();
    const res = await server.app.inject({
      method: 'POST',
      url: '/api/v1/ai/inference/he',
      headers: { ...user.auth, 'content-type': 'application/json' },
      payload,
    });
    route.push(performance.now() - t);
    routeCpu.push(cpuMs() - cpu);
    if (res.statusCode !== 200) throw new Error(`inference: ${res.statusCode} ${res.body}`);
    requestJson = payload.length;
    responseJson = res.body.length;
  }
} finally {
  await server.close();
}

const kb = (n: number) => `${(n / 1024).toFixed(1)} KiB`;
console.log(`bench:he, ${N} utterances of HWU64 val${quick ? ' (--quick)' : ''}; Node ${process.version}`);
console.log(`  once per server: model load and diagonal encoding ${setupMs.toFixed(0)} ms`);
console.log(
  `  once per device: key generation ${keygenMs.toFixed(0)} ms, Galois keys ${kb(keys.galoisKeys.length)} (${kb(keysJson)} as JSON)`,
);
console.log(`  client encrypt         ${ms(encrypt)}`);
console.log(`  server evaluate        ${ms(evaluate)}; CPU ${ms(evaluateCpu)}`);
console.log(`  client decrypt+argmax  ${ms(decrypt)}`);
console.log(`  POST .../he via app    ${ms(route)}; process CPU ${ms(routeCpu)}`);
console.log(
  `  bytes on the wire      up ${kb(requestJson)} (ciphertext ${kb(queryBytes)}), down ${kb(responseJson)} (ciphertext ${kb(resultBytes)})`,
);
console.log(`  plaintext HE model     ${ms(plainHe)}`);
console.log(`  plaintext builtin      ${ms(plainBuiltin)}`);
console.log(`  agreement              ${agree}/${N}`);
