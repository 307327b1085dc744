// npm run train:slots — builds model/slot-tagger.bin from HWU64's slot annotations
// (trainset/*.csv, without the utterances of val.csv). Deterministic: same data, same bytes.
import { createHash } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { scoreTagger } from '../src/nlu/slot-eval.ts';
import { deserializeTagger, serializeTagger, trainTagger } from '../src/nlu/tagger.ts';
import { slotTrainingSentences, TAGGER_TRAINING } from '../src/nlu/training-data.ts';

const { train, heldOut } = slotTrainingSentences();
process.stderr.write(`Training the slot tagger on ${train.length} annotated utterances…\n`);
const bytes = serializeTagger(trainTagger(train, TAGGER_TRAINING));
const out = new URL('../model/slot-tagger.bin', import.meta.url);
writeFileSync(out, bytes);
const { micro } = scoreTagger(deserializeTagger(bytes), heldOut);
process.stderr.write(
  `Wrote ${out.pathname} (${(bytes.length / 1e6).toFixed(2)} MB); held-out span F1 ${micro.f1.toFixed(4)}\n` +
    `sha256 ${createHash('sha256').update(bytes).digest('hex')}\n`,
);
