import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { sharedDataDir } from '@aura/testing';
import fc from 'fast-check';
import {
  buildIntentModel,
  builtinIntentModel,
  deserializeModel,
  type IntentModel,
  predict,
  serializeModel,
} from '../src/index.ts';
import { parseIntentCsv } from '../src/nlu/dataset.ts';
import { auraRequestsPath, INTENT_RECIPE, intentTrainingExamples } from '../src/nlu/training-data.ts';

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

  it("Aura's own examples use HWU64's intents, and agree with HWU64 where they repeat one of its sentences", () => {
    const model = builtinIntentModel();
    const own = parseIntentCsv(readFileSync(auraRequestsPath, 'utf8'));
    assert.ok(own.length >= 100);
    // A repeat is dropped from cross-validation's training (cv-intents.ts), so that no fold is
    // scored on a sentence it saw; a repeat with another label would also teach a contradiction.
    const hwu = new Map([...trainCsv(), ...valCsv()].map((e) => [e.text.toLowerCase(), e.intent]));
    for (const e of own) {
      assert.ok(model.intents.includes(e.intent), `${e.intent} is not an HWU64 intent`);
      const theirs = hwu.get(e.text.toLowerCase());
      assert.ok(theirs === undefined || theirs === e.intent, `"${e.text}" is ${theirs} in HWU64, ${e.intent} here`);
    }
  });

  it('training is reproducible, and the stored form predicts like the trained one', () => {
    const subset = trainCsv().filter((e) => e.intent.startsWith('alarm_') || e.intent.startsWith('calendar_'));
    const recipe = {
      bits: 15,
      members: [
        { kind: 'logistic', options: { epochs: 3 } },
        { kind: 'svm', options: { iterations: 3 } },
      ],
    } as const;
    const trained = buildIntentModel(subset, { ...recipe, members: [...recipe.members] });
    const a = serializeModel(trained);
    const b = serializeModel(buildIntentModel(subset, { ...recipe, members: [...recipe.members] }));
    assert.deepEqual(a, b, 'same data, same bytes');
    const model = deserializeModel(a);
    assert.equal(model.members.length, 2);
    assert.equal(predict(model, 'set an alarm for six').intent, 'alarm_set');
    for (const e of valCsv()
      .filter((v) => v.intent.startsWith('alarm_'))
      .slice(0, 20)) {
      const stored = predict(model, e.text);
      assert.equal(stored.intent, predict(trained, e.text).intent, e.text);
      assert.ok(stored.confidence > 0 && stored.confidence <= 1);
      assert.equal(stored.ranked.length, 5);
    }
  });

  it('trains a fastText-style scorer reproducibly, stored in the same format as the linear ones', () => {
    const subset = trainCsv().filter((e) => e.intent.startsWith('alarm_') || e.intent.startsWith('calendar_'));
    const fasttext = { kind: 'fasttext', options: { dim: 16, epochs: 3 } } as const;
    const recipe = () => ({
      bits: 15,
      wordWeight: 2,
      members: [{ kind: 'svm', options: { iterations: 3 } } as const, fasttext],
    });
    const trained = buildIntentModel(subset, recipe());
    const a = serializeModel(trained);
    assert.deepEqual(a, serializeModel(buildIntentModel(subset, recipe())), 'same data, same bytes');
    const fasttextOnly = buildIntentModel(subset, { ...recipe(), members: [fasttext] });
    assert.equal(predict(fasttextOnly, 'set an alarm for six').intent, 'alarm_set');
    const model = deserializeModel(a);
    assert.equal(model.members.length, 2);
    for (const e of valCsv()
      .filter((v) => v.intent.startsWith('calendar_'))
      .slice(0, 20)) {
      const stored = predict(model, e.text);
      assert.equal(stored.intent, predict(trained, e.text).intent, e.text);
      assert.ok(stored.confidence > 0 && stored.confidence <= 1);
    }
  });

  it('still reads the version 1 file (one logistic regression, intent-major)', () => {
    const subset = trainCsv().filter((e) => e.intent.startsWith('alarm_'));
    const v2 = deserializeModel(
      serializeModel(buildIntentModel(subset, { bits: 16, members: [{ kind: 'logistic', options: { epochs: 2 } }] })),
    );
    const v1 = deserializeModel(writeVersion1(v2));
    for (const text of ['set an alarm for six', 'what alarms do i have', 'cancel my alarm']) {
      assert.deepEqual(
        predict(v1, text).ranked.map((r) => r.intent),
        predict(v2, text).ranked.map((r) => r.intent),
      );
    }
  });

  it('the committed artifact is exactly what the training script builds from the data', { timeout: 600_000 }, () => {
    const committed = readFileSync(new URL('../model/intent-model.bin', import.meta.url));
    const rebuilt = serializeModel(buildIntentModel(intentTrainingExamples(sharedDataDir()), INTENT_RECIPE));
    assert.ok(Buffer.from(rebuilt).equals(committed), 'run "npm run train:intents" and commit the model');
  });
});

/** The version 1 layout (what was shipped before): int8 weights intent-major, one scorer. */
function writeVersion1(model: IntentModel): Uint8Array {
  const [member] = model.members;
  if (!member) throw new Error('no scorer');
  const k = model.intents.length;
  const dim = model.idf.length;
  const idfMin = Math.min(...model.idf);
  const idfMax = Math.max(...model.idf);
  const scales = model.intents.map((_, c) => {
    let max = 0;
    for (let f = 0; f < dim; f++) max = Math.max(max, Math.abs(member.weights[f * k + c] as number));
    return max / 127 || 1;
  });
  const head = new TextEncoder().encode(
    `${JSON.stringify({ magic: 'aura-intent-model/1', dim, intents: model.intents, temperature: member.temperature, scales, bias: Array.from(member.bias), idfMin, idfMax })}\n`,
  );
  const out = new Uint8Array(head.length + dim + k * dim);
  out.set(head);
  for (let f = 0; f < dim; f++)
    out[head.length + f] = Math.round((((model.idf[f] as number) - idfMin) / (idfMax - idfMin || 1)) * 255);
  const w8 = new Int8Array(out.buffer, head.length + dim, k * dim);
  for (let c = 0; c < k; c++)
    for (let f = 0; f < dim; f++)
      w8[c * dim + f] = Math.round((member.weights[f * k + c] as number) / (scales[c] as number));
  return out;
}

/** RFC 4180 as other tools write it: every field quoted when asked, `""` for a quote, CRLF. */
const csvField = (field: string, always: boolean) =>
  always || /[",\r\n]|^\s|\s$/.test(field) ? `"${field.replace(/"/g, '""')}"` : field;
const writeCsv = (rows: { text: string; intent: string }[], always = false) =>
  [['text', 'category'], ...rows.map((r) => [r.text, r.intent])]
    .map((row) => row.map((f) => csvField(f, always)).join(','))
    .join('\r\n');

describe('parseIntentCsv', () => {
  it('reads a fully quoted CSV: quoted header, commas, "" escapes, CRLF and line breaks inside a field', () => {
    const csv =
      '"text","category"\r\n' +
      '"remind me, please, of the dentist","calendar_set"\r\n' +
      '"play ""Hey Jude"" loud","play_music"\r\n' +
      '"first line\r\nsecond line","general_quirky"\r\n';
    assert.deepEqual(parseIntentCsv(csv), [
      { text: 'remind me, please, of the dentist', intent: 'calendar_set' },
      { text: 'play "Hey Jude" loud', intent: 'play_music' },
      { text: 'first line\r\nsecond line', intent: 'general_quirky' },
    ]);
  });

  it('names the line of a malformed row', () => {
    const rows = 'text,category\nwake me at six,alarm_set\nplay jazz,play_music\n';
    assert.throws(() => parseIntentCsv(`${rows}just some words\n`), /^Error: line 4: /);
    assert.throws(() => parseIntentCsv(`${rows}one,two,three\n`), /^Error: line 4: expected 2 fields/);
    assert.throws(() => parseIntentCsv(`${rows}"never closed,alarm_set\n`), /^Error: line 4: /);
    assert.throws(() => parseIntentCsv(`${rows}the "quote" inside,x\n`), /^Error: line 4: /);
  });

  it('says which header it expected', () => {
    assert.throws(() => parseIntentCsv('utterance,label\nhi,greet\n'), /expected the header "text,category"/);
    assert.throws(() => parseIntentCsv('"text"\nhi\n'), /expected the header "text,category"/);
  });

  it('round-trips any texts written as RFC 4180', () => {
    const text = fc.string({
      unit: fc.constantFrom('a', 'Z', 'é', ' ', ',', '"', "'", '\n', '\r\n', ';'),
      minLength: 1,
    });
    const intent = fc.constantFrom('alarm_set', 'calendar_set', 'play_music');
    fc.assert(
      fc.property(fc.array(fc.record({ text, intent }), { maxLength: 20 }), fc.boolean(), (rows, always) => {
        // fast-check's records have no prototype; compare as plain objects.
        const expected = rows.map(({ text, intent }) => ({ text, intent }));
        assert.deepEqual(parseIntentCsv(writeCsv(rows, always)), expected);
      }),
    );
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
