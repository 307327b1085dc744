import { synonymGroups } from './nicknames.ts';
import { COMMON_WORDS } from './nlu/common-words.ts';

/**
 * Where a request names someone: a name ("John", "john smith", "Sarha") or a relationship word
 * ("my manager", "mom"). A word counts as a name when it stands where a person stands (after
 * "with", "invite", "email", "call"…), is capitalised inside the sentence, or is tagged a person
 * by the slot tagger; a word that is seldom a name ("buy", "know", "take") counts only when it is
 * the name of one of the user's people. Verbs and filler words are never people.
 */
export interface NameMention {
  /** As the user wrote it: "John Smith", "sarha", "manager". */
  text: string;
  /** A relationship word ("manager", "mom") rather than a name. */
  relation?: boolean;
  /**
   * How sure the words are that this is a person: `named` must be resolved or asked about;
   * `possible` counts only if it is the exact name of one of the user's people.
   */
  strength: 'named' | 'possible';
  /** Where it is in the text. */
  start: number;
  end: number;
}

/** Words that are never a person, whatever their case or place. */
export const FUNCTION_WORDS = new Set(
  'a an the and or but nor so yet to of in on at for with about from by into onto over under up down off out me my mine myself i im ive id you your yours we our ours us it its this that these those is are was were be been being am do does did done doing have has had having please pls plz can could would will shall should may might must what whats when where who whos whom how why which there here then than just also not re fyi asap mr mrs ms miss dr prof sir madam halloween christmas xmas easter thanksgiving diwali hanukkah ramadan eid no yes ok okay hey hi hello thanks thank some any all every each next last this tomorrow today tonight morning afternoon evening night noon midnight week weekend month year monday tuesday wednesday thursday friday saturday sunday mon tue tues wed thu thur thurs fri sat sun january february march april june july august september october november december jan feb mar apr jun jul aug sep sept oct nov dec pm am oclock minute minutes min mins hour hours hr hrs day days time times meeting meetings call calls lunch dinner breakfast coffee appointment event events calendar list lists note notes reminder reminders email emails mail message text schedule book set make create add put remind send tell invite meet cancel delete remove move reschedule push shift need want like get let'.split(
    ' ',
  ),
);

/** Relationship words, each with the others that mean the same person. */
const RELATION_GROUPS = [
  'mom mum mother mommy mummy ma mama',
  'dad father daddy pa papa',
  'manager boss supervisor',
  'wife spouse partner',
  'husband spouse partner',
  'sister sis',
  'brother bro',
  'brother-in-law',
  'sister-in-law',
  'mother-in-law',
  'father-in-law',
  'stepmother stepmom',
  'stepfather stepdad',
  'niece',
  'nephew',
  'son',
  'daughter',
  'grandma grandmother granny nana',
  'grandpa grandfather granddad',
  'aunt auntie',
  'uncle',
  'cousin',
  'colleague coworker co-worker',
  'friend buddy',
  'dentist',
  'doctor doc gp',
  'landlord',
  'teacher',
  'coach',
  'assistant',
  'girlfriend partner',
  'boyfriend partner',
  'neighbor neighbour',
  'lawyer attorney',
  'accountant',
  'therapist',
  'client customer',
  'babysitter nanny sitter',
  'pediatrician paediatrician',
  'tutor',
  'plumber',
  'electrician',
  'contractor builder',
  'vet veterinarian',
  'trainer',
  'mentor',
  'caregiver carer',
  'driver',
  'secretary',
  'agent',
  'supplier vendor',
  'landlady',
  'coworker',
];
const RELATIONS = synonymGroups(RELATION_GROUPS);

/** The relationship words that mean the same as this one ("mom" → mom, mother, mum…). */
export const relationForms = (word: string): string[] => [...(RELATIONS.get(word.toLowerCase()) ?? [])];

// Words after which a person stands: "with John", "invite Sarah", "email Kate", "call mom".
const CUES = new Set(
  'with w invite invites inviting email e-mail mail emailing tell call calling ring phone text message ping cc meet meeting see ask send shoot drop write forward from for'.split(
    ' ',
  ),
);
// "my dentist appointment": a relationship word before one of these is the event's, not a person.
const EVENT_NOUNS = new Set(
  'appointment appointments meeting meetings visit call lunch dinner birthday party office checkup check-up cleaning session class'.split(
    ' ',
  ),
);
const TITLE_NOUNS = new Set(
  'review conference standup stand-up sync offsite retreat event ceremony festival concert game match wedding celebration fair dinner lunch breakfast brunch drinks night show trip'.split(
    ' ',
  ),
);
// "to John" names a person after a verb of sending ("send the notes to John"), not "to buy".
const SENDING = /\b(send|sent|forward|email|e-mail|mail|write|give|pass|reply|respond|message|text)\b/i;

interface Token {
  raw: string;
  lower: string;
  start: number;
  end: number;
}

export function nameMentions(
  text: string,
  taken: (start: number, end: number) => boolean,
  tagged: { start: number; end: number }[],
): NameMention[] {
  const tokens: Token[] = [...text.matchAll(/[\p{L}][\p{L}'’-]*/gu)].map((m) => {
    const raw = m[0].replace(/['’]s$/i, '');
    return { raw, lower: raw.toLowerCase(), start: m.index ?? 0, end: (m.index ?? 0) + raw.length };
  });
  const letters = tokens.filter((t) => !FUNCTION_WORDS.has(t.lower));
  // Title Case or SHOUTING says nothing about names.
  const capitals = letters.filter((t) => /^\p{Lu}/u.test(t.raw)).length;
  const caseTells = letters.length < 4 || capitals / letters.length < 0.6;
  const mentions: NameMention[] = [];
  // Token indices that are (part of) a mention: "and" or a comma after one leads to the next.
  const named = new Set<number>();
  const listed = (i: number) => {
    const p = tokens[i - 1];
    if (!p) return false;
    if (p.lower === 'and' || p.lower === 'or')
      return named.has(i - 2) || (tokens[i - 2]?.lower === 'my' && named.has(i - 3));
    return named.has(i - 1) && text.slice(p.end, tokens[i]?.start).includes(',');
  };
  const cueBefore = (j: number) => {
    const p = tokens[j];
    return (
      p !== undefined &&
      ((CUES.has(p.lower) && p.lower !== 'and') ||
        (p.lower === 'to' && SENDING.test(text.slice(0, p.start))) ||
        // "who is daniel", "who's daniel": whoever is asked about.
        (p.lower === 'who' && j === 0 && /^\s*who['’]s\b/i.test(text)) ||
        ((p.lower === 'is' || p.lower === 'was') && tokens[j - 1]?.lower === 'who'))
    );
  };
  // "Kevn's number", "helen's email": the owner of contact details is a person.
  const ownsDetails = (t: Token) =>
    /^['’]s?\s+(?:e-?mail|phone|number|address|mobile|cell|contact)/i.test(text.slice(t.end, t.end + 12));
  // "email the teacher that our son will be absent": after "that", "saying", "about" comes the
  // message, whose words are not recipients.
  const sending = SENDING.test(text);
  const contentFrom = sending
    ? tokens.findIndex((t, i) => i > 0 && /^(?:saying|that|about|asking|telling|regarding|re)$/.test(t.lower))
    : -1;
  for (let i = 0; i < tokens.length; i++) {
    const t = tokens[i] as Token;
    const prev = tokens[i - 1];
    const next = tokens[i + 1];
    if (taken(t.start, t.end)) continue;
    if (contentFrom >= 0 && i > contentFrom) continue;
    // "my sister", "the client", "the kids' teacher": a relationship word after a determiner.
    const afterMy =
      prev !== undefined &&
      (/^(my|our)$/.test(prev.lower) ||
        (prev.lower === 'the' && RELATIONS.has(t.lower)) ||
        ((/['’]$/.test(prev.raw) || /^['’]s?\b/.test(text.slice(prev.end, prev.end + 2))) &&
          /^(?:my|our|the)$/.test(tokens[i - 2]?.lower ?? '') &&
          RELATIONS.has(t.lower)));
    const cued = cueBefore(i - 1) || listed(i) || (afterMy && (cueBefore(i - 2) || listed(i - 1) || cueBefore(i - 3)));
    // "sisters email" is "sister's email".
    const relationWord = RELATIONS.has(t.lower)
      ? t.lower
      : afterMy && t.lower.endsWith('s') && RELATIONS.has(t.lower.slice(0, -1))
        ? t.lower.slice(0, -1)
        : undefined;
    if (relationWord) {
      const possessive = /^['’]s\b/.test(text.slice(t.end, t.end + 2)) || relationWord !== t.lower;
      // "my dentist appointment", "a doctor's appointment": the appointment, not the dentist.
      const beforeEvent = next !== undefined && EVENT_NOUNS.has(next.lower);
      if (!beforeEvent && (cued || possessive || afterMy)) {
        // "move my dentist to Tuesday", "cancel the dentist": maybe the person, maybe the event.
        const strength = cued || possessive ? 'named' : 'possible';
        mentions.push({ text: relationWord, relation: true, strength, start: t.start, end: t.end });
        named.add(i);
      }
      continue;
    }
    // "with my driver", "my supplier's number": a relationship word Aura does not list is still a
    // relationship, where a person stands; the user's people say whether anyone has it.
    if (
      afterMy &&
      (cued || ownsDetails(t)) &&
      !FUNCTION_WORDS.has(t.lower) &&
      !/^\p{Lu}/u.test(t.raw) &&
      t.raw.length >= 3
    ) {
      const beforeEvent = next !== undefined && EVENT_NOUNS.has(next.lower);
      if (!beforeEvent) {
        mentions.push({ text: t.lower, relation: true, strength: 'named', start: t.start, end: t.end });
        named.add(i);
        continue;
      }
    }
    // "with Will", "with May": a name that is also a little word, where a person stands.
    const nameLike =
      cued &&
      /^\p{Lu}/u.test(t.raw) &&
      (/^(?:will|may|june|april|august|summer|bill|mark|grace|faith|hope|joy)$/.test(t.lower) ||
        (caseTells && t.lower === 'an'));
    if ((FUNCTION_WORDS.has(t.lower) && !nameLike) || t.raw.length < 2) continue;
    // "the dev team", "w/ marketing": a group, not a person.
    if (
      next !== undefined &&
      /^(?:team|teams|group|crew|folks|department|dept|squad|guys|people|everyone)$/.test(next.lower)
    )
      continue;
    // "the Halloween party", "our Board meeting": a word of an event's title, not a person.
    if (
      prev !== undefined &&
      /^(?:the|our|a|an|this|that|my|next|annual)$/.test(prev.lower) &&
      next !== undefined &&
      (EVENT_NOUNS.has(next.lower) || TITLE_NOUNS.has(next.lower))
    )
      continue;
    const upper = /^\p{Lu}/u.test(t.raw);
    const capitalised = i > 0 && caseTells && upper && !/^\p{Lu}+$/u.test(t.raw.slice(1) || 'x');
    const byTagger = tagged.some((s) => s.start < t.end && t.start < s.end);
    const common = COMMON_WORDS.has(t.lower);
    // "John Smith", "john smith": a second word of a name joins the first (not "John re").
    const last = mentions.at(-1);
    if (
      last &&
      !last.relation &&
      named.has(i - 1) &&
      /^\s+$/.test(text.slice(last.end, t.start)) &&
      // "Daniel Price", "Chris Park": a capitalised surname joins even when it is also a word.
      (!common || (upper && /^\p{Lu}/u.test(last.text))) &&
      t.raw.length >= 3 &&
      /^\p{Lu}/u.test(last.text) === upper &&
      !last.text.includes(' ')
    ) {
      last.text = text.slice(last.start, t.end);
      last.end = t.end;
      named.add(i);
      continue;
    }
    // A common word nothing points at ("buy" in "remind me to buy milk") is not looked up at all.
    if (common && !cued && !capitalised) continue;
    // "with Will": a capitalised word where a person stands is a name, even one that is also a word.
    const strength =
      (!common && (cued || capitalised || byTagger || ownsDetails(t))) || (common && cued && upper)
        ? 'named'
        : 'possible';
    mentions.push({ text: t.raw, strength, start: t.start, end: t.end });
    if (strength === 'named' || cued || capitalised) named.add(i);
  }
  return mentions;
}
