// npm run eval:intents -- FILE.csv — accuracy, macro-F1, the most confused pairs and latency of
// the builtin model on any `text,category` CSV. The last line is `accuracy: 0.NNNN`.
import { readFileSync } from 'node:fs';
import { builtinIntentModel } from '../src/nlu/builtin-model.ts';
import { parseIntentCsv } from '../src/nlu/dataset.ts';
import { predict } from '../src/nlu/model.ts';

const file = process.argv[2];
if (!file) {
  process.stderr.write('usage: npm run eval:intents -- FILE.csv   (a text,category CSV)\n');
  process.exit(2);
}
let examples: { text: string; intent: string }[];
try {
  examples = parseIntentCsv(readFileSync(file, 'utf8'));
} catch (error) {
  process.stderr.write(`eval:intents: cannot read ${file}: ${(error as Error).message}\n`);
  process.exit(1);
}
if (examples.length === 0) {
  process.stderr.write(`eval:intents: ${file} has no examples\n`);
  process.exit(1);
}
const model = builtinIntentModel();
const latencies: number[] = [];
const confusion = new Map<string, number>();
const stats = new Map<string, { tp: number; fp: number; fn: number }>();
const stat = (intent: string) => {
  let s = stats.get(intent);
  if (!s) {
    s = { tp: 0, fp: 0, fn: 0 };
    stats.set(intent, s);
  }
  return s;
};
let correct = 0;
// Expected calibration error over 10 confidence bins: how far confidence is from accuracy.
const bins = Array.from({ length: 10 }, () => ({ n: 0, confidence: 0, correct: 0 }));
for (const e of examples) {
  const t = performance.now();
  const { intent, confidence } = predict(model, e.text);
  latencies.push(performance.now() - t);
  const bin = bins[Math.min(9, Math.floor(confidence * 10))] as { n: number; confidence: number; correct: number };
  bin.n++;
  bin.confidence += confidence;
  if (intent === e.intent) bin.correct++;
  if (intent === e.intent) {
    correct++;
    stat(intent).tp++;
  } else {
    stat(intent).fp++;
    stat(e.intent).fn++;
    const pair = `${e.intent} -> ${intent}`;
    confusion.set(pair, (confusion.get(pair) ?? 0) + 1);
  }
}
const f1s = [...stats.values()].map(({ tp, fp, fn }) => (tp === 0 ? 0 : (2 * tp) / (2 * tp + fp + fn)));
const macroF1 = f1s.reduce((a, b) => a + b, 0) / f1s.length;
latencies.sort((a, b) => a - b);
const pct = (p: number) => latencies[Math.min(latencies.length - 1, Math.floor((p / 100) * latencies.length))] ?? 0;
const unknown = [...new Set(examples.map((e) => e.intent))].filter((i) => !model.intents.includes(i));
process.stdout.write(`examples: ${examples.length}\n`);
if (unknown.length) process.stdout.write(`categories the model does not know: ${unknown.join(', ')}\n`);
process.stdout.write(`macro-F1: ${macroF1.toFixed(4)}\n`);
const ece = bins.reduce((sum, b) => sum + (b.n ? Math.abs(b.confidence - b.correct) : 0), 0) / examples.length;
process.stdout.write(`expected calibration error: ${ece.toFixed(4)}\n`);
process.stdout.write('most confused (true -> predicted):\n');
for (const [pair, n] of [...confusion].sort((a, b) => b[1] - a[1]).slice(0, 10))
  process.stdout.write(`  ${String(n).padStart(3)}  ${pair}\n`);
process.stdout.write(`latency per utterance: p50 ${pct(50).toFixed(3)} ms, p99 ${pct(99).toFixed(3)} ms\n`);
process.stdout.write(`accuracy: ${(correct / examples.length).toFixed(4)}\n`);
