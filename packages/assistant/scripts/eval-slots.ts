// npm run eval:slots — exact-span precision/recall/F1 of the committed slot tagger on the HWU64
// annotations of the val.csv utterances (never trained on). Last line: `slot-f1: 0.NNNN`.
import { builtinSlotTagger } from '../src/nlu/builtin-model.ts';
import { scoreTagger } from '../src/nlu/slot-eval.ts';
import { tagTokens } from '../src/nlu/tagger.ts';
import { slotTrainingSentences } from '../src/nlu/training-data.ts';

const { heldOut } = slotTrainingSentences();
const tagger = builtinSlotTagger();
const { perType, micro } = scoreTagger(tagger, heldOut);
const out = process.stdout;
out.write(`held-out utterances: ${heldOut.length}\n\ntype            precision  recall  F1      spans\n`);
for (const s of perType)
  out.write(
    `${s.type.padEnd(16)}${s.precision.toFixed(3).padStart(9)}${s.recall.toFixed(3).padStart(8)}  ${s.f1.toFixed(3)}  ${String(s.support).padStart(5)}\n`,
  );
const times: number[] = [];
for (const s of heldOut) {
  const t = performance.now();
  tagTokens(tagger, s.tokens);
  times.push(performance.now() - t);
}
times.sort((a, b) => a - b);
const pct = (p: number) => times[Math.min(times.length - 1, Math.floor(p * times.length))] as number;
out.write(`\nlatency per utterance: p50 ${pct(0.5).toFixed(3)} ms, p99 ${pct(0.99).toFixed(3)} ms\n`);
out.write(
  `precision ${micro.precision.toFixed(4)}, recall ${micro.recall.toFixed(4)}\nslot-f1: ${micro.f1.toFixed(4)}\n`,
);
