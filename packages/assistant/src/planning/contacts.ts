import type { Planner } from './plan.ts';

/** "what's John's email": one look-up per person named. */
export const findContacts: Planner = ({ people }) => ({
  steps: people.map((p, i) => ({
    id: `s${i + 1}`,
    action: 'contacts.find',
    params: { person: p.id },
    dependsOn: [],
    why: `look up ${p.name}`,
  })),
  questions: [],
  reasoning: [],
});
