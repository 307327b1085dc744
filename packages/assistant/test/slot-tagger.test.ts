import assert from 'node:assert/strict';
import { readFileSync, statSync } from 'node:fs';
import { describe, it } from 'node:test';
import { sharedDataDir } from '@aura/testing';
import fc from 'fast-check';
import {
  builtinSlotTagger,
  deserializeTagger,
  extractSlots,
  scoreTagger,
  serializeTagger,
  tagText,
  trainTagger,
} from '../src/index.ts';
import { parseAnnotation, parseTrainsetCsv, SLOT_TYPES } from '../src/nlu/slot-data.ts';
import { slotTrainingSentences, TAGGER_TRAINING } from '../src/nlu/training-data.ts';

describe('HWU64 slot annotations', () => {
  it('become tokens with BIO tags; unused slot types are outside', () => {
    assert.deepEqual(
      parseAnnotation('schedule a [event_name : team meeting] with [person : al] to [media_type : radio]'),
      {
        tokens: ['schedule', 'a', 'team', 'meeting', 'with', 'al', 'to', 'radio'],
        tags: ['O', 'O', 'B-event_name', 'I-event_name', 'O', 'B-person', 'O', 'O'],
      },
    );
  });

  it('property: any sentence of words and spans parses back to its words and its spans', () => {
    // Words as HWU64 writes them: lower case, apostrophes inside ("john's").
    const word = fc.stringMatching(/^[a-z](?:[a-z0-9']{0,6}[a-z0-9])?$/);
    const part = fc.oneof(
      word.map((w) => ({ words: [w], type: undefined as string | undefined })),
      fc.record({ words: fc.array(word, { minLength: 1, maxLength: 3 }), type: fc.constantFrom(...SLOT_TYPES) }),
    );
    fc.assert(
      fc.property(fc.array(part, { maxLength: 12 }), (parts) => {
        const text = parts.map((p) => (p.type ? `[${p.type} : ${p.words.join(' ')}]` : p.words[0])).join(' ');
        const parsed = parseAnnotation(text);
        assert.deepEqual(
          parsed.tokens,
          parts.flatMap((p) => p.words),
        );
        assert.deepEqual(
          parsed.tags,
          parts.flatMap((p) => p.words.map((_, i) => (p.type ? `${i === 0 ? 'B' : 'I'}-${p.type}` : 'O'))),
        );
      }),
    );
  });

  it('reads the trainset files, quotes and all; val.csv utterances are held out', () => {
    const rows = parseTrainsetCsv(readFileSync(`${sharedDataDir()}/hwu64/trainset/calendar_set.csv`, 'utf8'));
    assert.ok(rows.length > 100);
    assert.ok(rows.every((r) => r.annotation.length > 0 && r.text.length > 0));
    const { train, heldOut } = slotTrainingSentences(sharedDataDir());
    assert.ok(train.length > 8000 && heldOut.length > 900, `${train.length} / ${heldOut.length}`);
    const seen = new Set(train.map((s) => s.tokens.join(' ')));
    const leaked = heldOut.filter((s) => seen.has(s.tokens.join(' '))).length;
    // Identical sentences can occur under different ids; they must be rare, not the split.
    assert.ok(leaked < heldOut.length * 0.05, `${leaked} held-out sentences also in training`);
  });
});

describe('the slot tagger', () => {
  it('training is reproducible and the committed artifact is what the script builds', () => {
    const { train } = slotTrainingSentences(sharedDataDir());
    const a = serializeTagger(trainTagger(train, TAGGER_TRAINING));
    const committed = readFileSync(new URL('../model/slot-tagger.bin', import.meta.url));
    assert.ok(Buffer.from(a).equals(committed), 'run "npm run train:slots" and commit the model');
    assert.ok(statSync(new URL('../model/slot-tagger.bin', import.meta.url)).size < 1024 * 1024);
  });

  it('finds names, places and titles in sentences it never saw (held-out span F1)', () => {
    const { heldOut } = slotTrainingSentences(sharedDataDir());
    const { micro, perType } = scoreTagger(builtinSlotTagger(), heldOut);
    assert.ok(micro.f1 > 0.65, `micro F1 ${micro.f1}`);
    const person = perType.find((p) => p.type === 'person');
    assert.ok(person && person.precision > 0.5, `person precision ${person?.precision}`);
  });

  it("keeps the user's spelling and where the words are", () => {
    const text = 'Schedule a meeting with John Smith tomorrow';
    const spans = tagText(builtinSlotTagger(), text);
    const person = spans.find((s) => s.type === 'person');
    assert.equal(person?.text, 'John Smith');
    assert.equal(text.slice(person?.start, person?.end), 'John Smith');
    assert.equal(spans.find((s) => s.type === 'event_name')?.text, 'meeting');
  });

  it('a stored tagger predicts like the trained one', () => {
    const sentences = slotTrainingSentences(sharedDataDir()).train.slice(0, 500);
    const model = trainTagger(sentences, { epochs: 2 });
    const stored = deserializeTagger(serializeTagger(model));
    const score = (m: typeof model) => scoreTagger(m, sentences).micro.f1;
    assert.ok(Math.abs(score(model) - score(stored)) < 0.02);
  });

  it('extractSlots: tagged relations, titles and lists; clock times are never names', () => {
    const now = new Date(2026, 10, 24, 9);
    assert.deepEqual(
      extractSlots('email my manager the report', now).names.map((n) => [n.text, n.relation ?? false]),
      [['manager', true]],
    );
    assert.equal(extractSlots('book a dentist appointment on friday at 10', now).title, 'dentist appointment');
    assert.equal(extractSlots('remove eggs from my shopping list', now).listName, 'shopping');
    const at3 = extractSlots('Schedule a meeting with John tomorrow at 3pm', now);
    assert.equal(at3.place, undefined);
    assert.equal(at3.mentionedPerson, 'John');
  });
});
