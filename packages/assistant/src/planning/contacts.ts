import type { Planner } from './plan.ts';

/** "what's John's email": one look-up per person named. */
export const findContacts: Planner = ({ people, openQuestions }) => ({
  steps: people.map((p, i) => ({
    id: `s${i + 1}`,
    action: 'contacts.find',
    params: { person: p.id },
    dependsOn: [],
    why: `look up ${p.name}`,
  })),
  // Asked already who is meant: that question stands for this one.
  questions: people.length === 0 && openQuestions.length === 0 ? ['Whose details do you want?'] : [],
  reasoning: [],
});
