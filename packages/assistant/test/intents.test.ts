import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { sharedDataDir } from '@aura/testing';
import {
  buildIntentModel,
  builtinIntentModel,
  deserializeModel,
  parseIntentCsv,
  predict,
  serializeModel,
  train,
} from '../src/index.ts';
import { auraRequestsPath, intentTrainingExamples } from '../src/nlu/training-data.ts';

const ROOT = fileURLToPath(new URL('../../../', import.meta.url));
const trainCsv = () => parseIntentCsv(readFileSync(join(sharedDataDir(), 'hwu64/dialoglue/train.csv'), 'utf8'));
const valCsv = () => parseIntentCsv(readFileSync(join(sharedDataDir(), 'hwu64/dialoglue/val.csv'), 'utf8'));

describe('builtin intent model', () => {
  it('knows all 64 HWU64 intents and fits in 5 MB', () => {
    const model = builtinIntentModel();
    assert.equal(model.intents.length, 64);
    assert.ok(statSync(new URL('../model/intent-model.bin', import.meta.url)).size <= 5 * 1024 * 1024);
  });

  it("understands the assistant's everyday requests", () => {
    const model = builtinIntentModel();
    const cases: [string, string][] = [
      ['Schedule a meeting with John tomorrow at 3pm', 'calendar_set'],
      ["what's on my calendar friday", 'calendar_query'],
      ['wake me up at 7 tomorrow', 'alarm_set'],
      ['email sarah the notes', 'email_sendemail'],
      ['add milk to my shopping list', 'lists_createoradd'],
      ['turn off the lights in the kitchen', 'iot_hue_lightoff'],
      ['remind me to water the garden at 6pm', 'calendar_set'],
      ['do i have any new mail from peter', 'email_query'],
      ['move my call with anna to thursday', 'calendar_set'],
    ];
    for (const [text, intent] of cases) {
      const p = predict(model, text);
      assert.equal(p.intent, intent, `${text} -> ${p.intent} (${p.confidence.toFixed(2)})`);
      assert.ok(p.confidence > 0 && p.confidence <= 1);
      assert.equal(p.ranked[0]?.intent, intent);
    }
  });

  it("Aura's own examples use HWU64's intents and none of them is a validation utterance", () => {
    const model = builtinIntentModel();
    const own = parseIntentCsv(readFileSync(auraRequestsPath, 'utf8'));
    assert.ok(own.length >= 100);
    const val = new Set(valCsv().map((e) => e.text.toLowerCase()));
    for (const e of own) {
      assert.ok(model.intents.includes(e.intent), `${e.intent} is not an HWU64 intent`);
      assert.ok(!val.has(e.text.toLowerCase()), `"${e.text}" is in val.csv: evaluation would be contaminated`);
    }
  });

  it('training is reproducible, and the stored form predicts like the trained one', () => {
    const subset = trainCsv().filter((e) => e.intent.startsWith('alarm_') || e.intent.startsWith('calendar_'));
    const a = serializeModel(train(subset, { epochs: 3 }));
    const b = serializeModel(train(subset, { epochs: 3 }));
    assert.deepEqual(a, b, 'same data, same bytes');
    const model = deserializeModel(a);
    assert.equal(predict(model, 'set an alarm for six').intent, 'alarm_set');
  });

  it('the committed artifact is exactly what the training script builds from the data', { timeout: 600_000 }, () => {
    const committed = readFileSync(new URL('../model/intent-model.bin', import.meta.url));
    const rebuilt = serializeModel(
      buildIntentModel(intentTrainingExamples(sharedDataDir()), { epochs: 20, learningRate: 1.0, seed: 42 }),
    );
    assert.ok(Buffer.from(rebuilt).equals(committed), 'run "npm run train:intents" and commit the model');
  });
});

describe('npm run eval:intents', () => {
  const dir = mkdtempSync(join(tmpdir(), 'aura-eval-'));
  const run = (...args: string[]) =>
    spawnSync(
      process.execPath,
      ['--import', 'tsx', join(ROOT, 'packages/assistant/scripts/eval-intents.ts'), ...args],
      {
        encoding: 'utf8',
        cwd: ROOT,
      },
    );

  it('prints accuracy, macro-F1, confusions and latency, ending with "accuracy: 0.NNNN"', () => {
    const file = join(dir, 'small.csv');
    writeFileSync(
      file,
      'text,category\nwake me up at seven,alarm_set\n"remind me, please, of the dentist on friday",calendar_set\nplay some jazz,play_music\n',
    );
    const result = run(file);
    assert.equal(result.status, 0, result.stderr);
    const lines = result.stdout.trim().split('\n');
    assert.match(lines.at(-1) ?? '', /^accuracy: [01]\.\d{4}$/);
    assert.match(result.stdout, /macro-F1: [01]\.\d{4}/);
    assert.match(result.stdout, /latency per utterance: p50 [\d.]+ ms, p99 [\d.]+ ms/);
    rmSync(dir, { recursive: true, force: true });
  });

  it('says what is wrong with a missing or malformed file', () => {
    assert.equal(run().status, 2);
    const missing = run('/nonexistent.csv');
    assert.equal(missing.status, 1);
    assert.match(missing.stderr, /cannot read/);
  });
});
