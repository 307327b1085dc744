// npm run bench:assistant — request to validated plan with the builtin provider (no network:
// the relationships lookup is in memory), against the intent model alone in the same run.
// Target (issue #6): <= 100 ms from request to validated plan.
import {
  builtinIntentModel,
  builtinSlotTagger,
  decide,
  Personalisation,
  predict,
  tagText,
} from '../../packages/assistant/src/index.ts';
import { percentile } from '../support.ts';

const requests = [
  'Schedule a meeting with John tomorrow at 3pm',
  "what's on my calendar friday",
  'wake me up at 6 tomorrow',
  'add milk to my shopping list',
  'email sarah the notes',
  'cancel my meeting tomorrow',
  'set up lunch with Bob tomorrow at 1pm for an hour',
];
const people = [
  { id: '1', name: 'John Appleseed', email: 'john@example.com' },
  { id: '2', name: 'Sarah Connor', email: 'sarah@example.com' },
  { id: '3', name: 'Bob Stone' },
];
const findPeople = async (w: string) =>
  people.filter((p) =>
    p.name
      .toLowerCase()
      .split(' ')
      .some((x) => x.startsWith(w.toLowerCase())),
  );
// A week of calendar (checked for double bookings) and some history of feedback.
const day = 86_400_000;
const events = Array.from({ length: 40 }, (_, i) => {
  const start = Date.now() + (i % 10) * day + (9 + (i % 8)) * 3_600_000;
  return {
    id: `e${i}`,
    title: 'busy',
    start: new Date(start).toISOString(),
    end: new Date(start + 1_800_000).toISOString(),
  };
});
const calendar = {
  eventsBetween: async (start: string, end: string) => events.filter((e) => e.start < end && e.end > start),
};
const personalisation = new Personalisation([
  { text: 'put the dentist in for thursday at 10', intent: 'calendar_set' },
]);
const model = builtinIntentModel();
const tagger = builtinSlotTagger();
const modelOnly: number[] = [];
const taggerOnly: number[] = [];
const full: number[] = [];
for (let round = 0; round < 200; round++) {
  for (const text of requests) {
    let t = performance.now();
    predict(model, text);
    modelOnly.push(performance.now() - t);
    t = performance.now();
    tagText(tagger, text);
    taggerOnly.push(performance.now() - t);
    t = performance.now();
    await decide(text, { findPeople, model, calendar, personalisation, preferences: { timeZone: 'Europe/Berlin' } });
    full.push(performance.now() - t);
  }
}
console.log(`Aura assistant benchmark — node ${process.version}, ${full.length} decisions\n`);
console.log(
  `  intent model alone          p50 ${percentile(modelOnly, 50).toFixed(3)} ms   p99 ${percentile(modelOnly, 99).toFixed(3)} ms   baseline`,
);
console.log(
  `  slot tagger alone           p50 ${percentile(taggerOnly, 50).toFixed(3)} ms   p99 ${percentile(taggerOnly, 99).toFixed(3)} ms`,
);
console.log(
  `  request -> validated plan   p50 ${percentile(full, 50).toFixed(3)} ms   p99 ${percentile(full, 99).toFixed(3)} ms   (${(percentile(full, 50) / percentile(modelOnly, 50)).toFixed(1)}x at p50)`,
);
console.log(
  `\nTarget: <= 100 ms to a validated plan: ${percentile(full, 99) <= 100 ? 'met' : 'MISSED'} (p99 ${percentile(full, 99).toFixed(2)} ms)`,
);
