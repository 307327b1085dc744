import type { Slots } from '../slots.ts';
import { type Person, type Planner, question, steps } from './plan.ts';

/** "email Sarah the notes": the subject is what follows the recipient; the body says who asked. */
export function messageOf(text: string, slots: Slots, people: Person[]) {
  let rest = text.replace(/^.*?\b(?:email|e-mail|mail|send|write|tell|message)\b\s*/i, '');
  for (const p of people)
    for (const part of p.name.split(/\s+/)) rest = rest.replace(new RegExp(`^(?:to\\s+)?${part}\\b\\s*`, 'i'), '');
  for (const e of slots.emails) rest = rest.replace(e, '');
  rest = rest
    .replace(/^(?:an?\s+email\s+)?(?:to\s+)?/i, '')
    .replace(/[\s.!?]+$/, '')
    .trim();
  const subject = rest ? rest[0]?.toUpperCase() + rest.slice(1) : 'A note';
  return { subject, body: `${subject}\n\n(sent by Aura on your request: "${text}")` };
}

/** "email Sarah the notes". */
export const sendEmail: Planner = ({ text, slots, people, openQuestions }) => {
  if (people.length > 0 || slots.emails.length > 0)
    return steps({
      id: 's1',
      action: 'email.send',
      params: { to: [...people.map((p) => p.email ?? p.name), ...slots.emails], ...messageOf(text, slots, people) },
      dependsOn: [],
      why: `email ${[...people.map((p) => p.name), ...slots.emails].join(', ')}`,
    });
  // Asked already who "Sarah" is: that question stands for this one.
  return openQuestions.length === 0 ? question('Who should I email?') : steps();
};

/** "any mail from John?". */
export const searchEmail: Planner = ({ people }) =>
  steps({
    id: 's1',
    action: 'email.search',
    params: { from: people.map((p) => p.email ?? p.name), query: null },
    dependsOn: [],
    why: 'look through your mail',
  });
