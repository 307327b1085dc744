import { distance } from 'fastest-levenshtein';
import type { Personalisation } from './learning.ts';
import { type NameMention, relationForms } from './names.ts';
import { nicknameForms } from './nicknames.ts';
import type { Person } from './planning/plan.ts';
import { swapsTwoLetters } from './typos.ts';

export interface PeopleLookup {
  /** People whose name, relationship or email holds this word (the vault's blind-index search). */
  findPeople: (word: string) => Promise<Person[]>;
  /** All of the user's people, for near matches ("Sarha" → Sarah); absent, no near match is offered. */
  listPeople?: () => Promise<Person[]>;
}

const parts = (p: Person) =>
  p.name
    .toLowerCase()
    .split(/[\s-]+/)
    .filter(Boolean);

/** Within a typo of each other: one edit for a short name, two for a long one, or two letters swapped. */
/** How a name sounds, roughly: "Sophy" and "Sophie", "Katy" and "Katie", "Phil" and "Fil" alike. */
const soundOf = (name: string) =>
  name
    .replace(/ph/g, 'f')
    .replace(/ck/g, 'k')
    .replace(/(?:ie|ey|y)$/, 'i')
    .replace(/(.)\1+/g, '$1');

export function nearName(typed: string, name: string): boolean {
  const a = typed.toLowerCase();
  const b = name.toLowerCase();
  if (a === b || a.length < 4 || b.length < 3) return false;
  if (soundOf(a) === soundOf(b)) return true;
  const d = distance(a, b);
  // Two edits for a name typed with six letters or more ("Sophia" for Sofia), one below.
  if (d <= (a.length >= 6 && b.length >= 5 ? 2 : 1)) return true;
  return d === 2 && swapsTwoLetters(a, b);
}

async function byWords(words: string[], lookup: PeopleLookup, prefix: boolean): Promise<Person[]> {
  const found = await lookup.findPeople(words[0] as string);
  return found.filter((p) => {
    const names = parts(p);
    return words.every((w) => names.some((n) => n === w || (prefix && w.length >= 3 && n.startsWith(w))));
  });
}

/** A name exactly as the user's people know it ("John", "john appleseed", "Stone"). */
async function exactly(m: NameMention, lookup: PeopleLookup): Promise<Person[]> {
  const words = m.text
    .toLowerCase()
    .split(/[\s-]+/)
    .filter(Boolean);
  if (m.relation) {
    const forms = relationForms(words.join('-'));
    const seen = new Map<string, Person>();
    for (const form of forms.length ? forms : [m.text.toLowerCase()])
      for (const p of await lookup.findPeople(form.split('-')[0] as string))
        if (p.relationship && (forms.length ? forms : [m.text.toLowerCase()]).includes(p.relationship.toLowerCase()))
          seen.set(p.id, p);
    return [...seen.values()];
  }
  // "John Doe" is not John Appleseed: every word said must be one of the person's names.
  const exact = await byWords(words, lookup, false);
  if (exact.length === 0 || words.length > 1) return exact;
  // "Sam" with Sam Lee and Samantha Cole: Samantha goes by Sam too, so it is a question.
  const seen = new Map(exact.map((p) => [p.id, p]));
  for (const form of nicknameForms(words[0] as string).filter((f) => f.length > (words[0] as string).length))
    for (const p of await byWords([form], lookup, false)) seen.set(p.id, p);
  return [...seen.values()];
}

/** Who a name may be short for: a nickname ("Bill" → William), a beginning ("Sar" → Sarah), a typo. */
async function nearly(m: NameMention, lookup: PeopleLookup, everyone: () => Promise<Person[]>): Promise<Person[]> {
  const words = m.text
    .toLowerCase()
    .split(/[\s-]+/)
    .filter(Boolean);
  const seen = new Map<string, Person>();
  for (const form of nicknameForms(words[0] as string))
    for (const p of await byWords([form, ...words.slice(1)], lookup, false)) seen.set(p.id, p);
  for (const p of await byWords(words, lookup, true)) seen.set(p.id, p);
  if (seen.size > 0) return [...seen.values()];
  return (await everyone()).filter((p) => {
    const names = parts(p);
    return words.every((w) => names.some((n) => n === w || nearName(w, n))) || nearName(m.text, p.name);
  });
}

const describe = (p: Person) => `${p.name}${p.relationship ? ` (${p.relationship})` : ''}`;
const either = (people: Person[]) =>
  people.length <= 2
    ? people.map(describe).join(' or ')
    : `${people.slice(0, -1).map(describe).join(', ')} or ${describe(people.at(-1) as Person)}`;

/**
 * Who the request names, among the user's people. Every named person is resolved or asked
 * about: two Johns are "Which John…?", "Sarha" is "Did you mean Sarah Connor?", a stranger is
 * "Who is Zed?". A word that only might be a name counts when it is exactly someone's name.
 */
export async function resolvePeople(
  mentions: NameMention[],
  lookup: PeopleLookup,
  me: Personalisation | undefined,
  // Searching mail, a sender who is none of the user's people ("HMRC") is searched for as text.
  { strangersAsText = false }: { strangersAsText?: boolean } = {},
): Promise<{ people: Person[]; questions: string[]; reasoning: string[]; strangers: string[] }> {
  const strangers: string[] = [];
  const questions: string[] = [];
  const reasoning: string[] = [];
  const found = new Map<string, Person>();
  const importance = (p: Person) => me?.importance(p.id) ?? 0.5;
  let all: Person[] | undefined;
  const everyone = async () => {
    all ??= lookup.listPeople ? await lookup.listPeople() : [];
    return all;
  };
  for (const m of mentions) {
    let candidates = await exactly(m, lookup);
    if (candidates.length > 0 && candidates.every((p) => found.has(p.id))) continue;
    const meant = me?.personFor(m.text.toLowerCase());
    if (candidates.length > 1 && meant) {
      const learned = candidates.filter((p) => p.name.toLowerCase() === meant.toLowerCase());
      if (learned.length === 1) {
        candidates = learned;
        reasoning.push(`You told me before that by ${m.text} you mean ${meant}.`);
      }
    }
    if (candidates.length > 1) {
      // The person the user's accepted plans involved most is offered first.
      candidates.sort((a, b) => importance(b) - importance(a));
      questions.push(`Which ${m.relation ? m.text.toLowerCase() : m.text} do you mean: ${either(candidates)}?`);
      continue;
    }
    const person = candidates[0];
    if (person) {
      found.set(person.id, person);
      reasoning.push(
        m.relation
          ? `Your ${m.text.toLowerCase()} is ${person.name}.`
          : `"${m.text}" is ${person.name}${person.relationship ? `, your ${person.relationship}` : ''}.`,
      );
      continue;
    }
    if (m.strength === 'possible') continue;
    if (m.relation) {
      questions.push(
        `Who is your ${m.text.toLowerCase()}? None of your people has that relationship ("aura people add NAME --relationship ${m.text.toLowerCase()}").`,
      );
      continue;
    }
    // Learned before: by this name the user means that person.
    if (meant) {
      const learned = (await everyone()).filter((p) => p.name.toLowerCase() === meant.toLowerCase());
      if (learned.length === 1) {
        found.set((learned[0] as Person).id, learned[0] as Person);
        reasoning.push(`You told me before that by ${m.text} you mean ${meant}.`);
        continue;
      }
    }
    const near = await nearly(m, lookup, everyone);
    if (near.length > 0) {
      near.sort((a, b) => importance(b) - importance(a));
      questions.push(
        `Did you mean ${either(near.slice(0, 3))}? I do not have anyone called ${m.text} among your people.`,
      );
      continue;
    }
    if (strangersAsText) {
      strangers.push(m.text);
      reasoning.push(`${m.text} is none of your people, so I look for the name in your mail.`);
      continue;
    }
    questions.push(`Who is ${m.text}? I do not have ${m.text} among your people ("aura people add ${m.text}").`);
  }
  return { people: [...found.values()], questions, reasoning, strangers };
}
