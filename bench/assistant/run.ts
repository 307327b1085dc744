// npm run bench:assistant — request to validated plan with the builtin provider (no network:
// the relationships lookup is in memory), against the intent model alone in the same run.
// Target (issue #6): <= 100 ms from request to validated plan.
import { builtinIntentModel, decide, predict } from '../../packages/assistant/src/index.ts';
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
const model = builtinIntentModel();
const modelOnly: number[] = [];
const full: number[] = [];
for (let round = 0; round < 200; round++) {
  for (const text of requests) {
    let t = performance.now();
    predict(model, text);
    modelOnly.push(performance.now() - t);
    t = performance.now();
    await decide(text, { findPeople, model });
    full.push(performance.now() - t);
  }
}
console.log(`Aura assistant benchmark — node ${process.version}, ${full.length} decisions\n`);
console.log(
  `  intent model alone          p50 ${percentile(modelOnly, 50).toFixed(3)} ms   p99 ${percentile(modelOnly, 99).toFixed(3)} ms   baseline`,
);
console.log(
  `  request -> validated plan   p50 ${percentile(full, 50).toFixed(3)} ms   p99 ${percentile(full, 99).toFixed(3)} ms   (${(percentile(full, 50) / percentile(modelOnly, 50)).toFixed(1)}x at p50)`,
);
console.log(
  `\nTarget: <= 100 ms to a validated plan: ${percentile(full, 99) <= 100 ? 'met' : 'MISSED'} (p99 ${percentile(full, 99).toFixed(2)} ms)`,
);
