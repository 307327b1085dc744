import type { Personalisation } from './learning.ts';
import type { Person } from './planning/plan.ts';
import type { Slots } from './slots.ts';

/** Which of the user's people the request names: exact names first, then ambiguity, then strangers. */
export async function resolvePeople(
  slots: Slots,
  findPeople: (word: string) => Promise<Person[]>,
  me: Personalisation | undefined,
): Promise<{ people: Person[]; questions: string[]; reasoning: string[] }> {
  const questions: string[] = [];
  const reasoning: string[] = [];
  const found = new Map<string, Person>();
  const mentioned = slots.mentionedPerson?.toLowerCase().split(/\s+/) ?? [];
  const importance = (p: Person) => me?.importance(p.id) ?? 0.5;
  const describe = (p: Person) => `${p.name}${p.relationship ? ` (${p.relationship})` : ''}`;
  if (slots.relation) {
    // "my manager", "mom": the person whose relationship is that word.
    const byRelation = (await findPeople(slots.relation)).filter(
      (p) => p.relationship?.toLowerCase() === slots.relation,
    );
    if (byRelation.length === 1) {
      const person = byRelation[0] as Person;
      found.set(person.id, person);
      reasoning.push(`Your ${slots.relation} is ${person.name}.`);
    } else if (byRelation.length > 1) {
      byRelation.sort((a, b) => importance(b) - importance(a));
      questions.push(`Which ${slots.relation} do you mean: ${byRelation.map(describe).join(' or ')}?`);
    }
  }
  for (const word of slots.personWords) {
    const matches = (await findPeople(word)).filter((p) =>
      p.name
        .toLowerCase()
        .split(/\s+/)
        .some((part) => part === word.toLowerCase() || part.startsWith(word.toLowerCase())),
    );
    if (matches.length === 0 || matches.every((p) => found.has(p.id))) continue;
    const full = slots.mentionedPerson
      ? matches.filter((p) => p.name.toLowerCase().includes(slots.mentionedPerson?.toLowerCase() ?? ''))
      : [];
    let candidates = full.length > 0 ? full : matches;
    const meant = me?.personFor(word);
    if (candidates.length > 1 && meant) {
      const learned = candidates.filter((p) => p.name.toLowerCase() === meant.toLowerCase());
      if (learned.length === 1) {
        candidates = learned;
        reasoning.push(`You told me before that by ${word} you mean ${meant}.`);
      }
    }
    if (candidates.length > 1) {
      // The person the user's accepted plans involved most is offered first.
      candidates.sort((a, b) => importance(b) - importance(a));
      questions.push(`Which ${word} do you mean: ${candidates.map(describe).join(' or ')}?`);
      continue;
    }
    const person = candidates[0] as Person;
    found.set(person.id, person);
    reasoning.push(`"${word}" is ${person.name}${person.relationship ? `, your ${person.relationship}` : ''}.`);
  }
  if (slots.mentionedPerson && found.size === 0 && questions.length === 0) {
    const named = mentioned.join(' ');
    questions.push(`Who is ${slots.mentionedPerson}? I do not have ${named} among your people ("aura people add").`);
  }
  return { people: [...found.values()], questions, reasoning };
}
