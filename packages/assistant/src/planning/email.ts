import type { Slots } from '../slots.ts';
import { type Person, type Planner, question, steps } from './plan.ts';

/** "email Sarah the notes": the subject is what follows the recipient; the body says who asked. */
export function messageOf(text: string, slots: Slots, people: Person[]) {
  let rest = text.replace(/^.*?\b(?:email|e-mail|mail|send|forward|shoot|drop|write|tell|message)\b\s*/i, '');
  // Who it goes to is not its subject: names, relationship words ("my boss"), addresses.
  const who = [...people.flatMap((p) => p.name.split(/\s+/)), ...slots.names.map((n) => n.text)].map((w) =>
    w.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'),
  );
  // "John and Sarah about the offsite": each recipient off the front, however they are joined.
  for (let again = true; again; ) {
    again = false;
    for (const w of who) {
      const next = rest
        .replace(
          new RegExp(
            `^(?:an?\\s+(?:email|e-mail|note|message)\\s+)?(?:to\\s+)?(?:and\\s+|,\\s*)?(?:my\\s+)?${w}(?:'s)?\\b\\s*`,
            'i',
          ),
          '',
        )
        .replace(new RegExp(`\\s+to\\s+(?:my\\s+)?${w}\\b`, 'i'), '');
      if (next !== rest) again = true;
      rest = next;
    }
  }
  for (const e of slots.emails) rest = rest.replace(e, '');
  rest = rest
    .replace(/^(?:an?\s+(?:email|e-mail|note|message)\s+)?(?:to\s+)?/i, '')
    .replace(/^(?:about|re:?|regarding|saying|that)\s+/i, '')
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
export const searchEmail: Planner = ({ people, slots }) =>
  steps({
    id: 's1',
    action: 'email.search',
    params: { from: people.map((p) => p.email ?? p.name), query: slots.query ?? null },
    dependsOn: [],
    why: `look through your mail${people.length ? ` from ${people.map((p) => p.name).join(', ')}` : ''}${slots.query ? ` for "${slots.query}"` : ''}`,
  });
