import { distance } from 'fastest-levenshtein';
import { COMMON_WORDS } from './nlu/common-words.ts';

/**
 * The words a request turns on, as people mistype them ("shedule", "remaind", "cancle",
 * "whit"), and a few regional phrasings ("remember me to", "prepone"), made the words the rest
 * of the reading knows. Only these words: a name or any other word is left as it was typed.
 */
const KEY_WORDS = [
  'schedule',
  'reschedule',
  'remind',
  'reminder',
  'cancel',
  'meeting',
  'appointment',
  'calendar',
  'shopping',
  'postpone',
];
// Real words one letter from a key word.
// Real words one letter from a key word, and the key words' own forms ("reminded" is not "reminder").
const NOT_TYPOS = new Set(
  'cancer camel remains remained rewind behind reminded reminding reminds reminders scheduled schedules scheduling rescheduled rescheduling cancelled canceled cancels canceling cancelling meetings appointments calendars postponed postpones shopper'.split(
    ' ',
  ),
);

const PHRASES: [RegExp, string][] = [
  [/\b(?:whit|wiht|wtih|wth|wit)\b(?=\s+\p{L})/giu, 'with'],
  [/\bremember me (to|about|that)\b/gi, 'remind me $1'],
  [/\bprepone\b/gi, 'bring forward'],
  [/\b(?:e-?mail|mail) id\b/gi, 'email address'],
];

/** "Jonh" for "John": the same letters, two neighbours swapped (an edit distance of two). */
export function swapsTwoLetters(a: string, b: string): boolean {
  if (a.length !== b.length) return false;
  const diff = [...a].flatMap((c, i) => (c === b[i] ? [] : [i]));
  return diff.length === 2 && diff[1] === (diff[0] as number) + 1 && a[diff[0] as number] === b[diff[1] as number];
}

/** Within a typo of a key word: one edit (two for a long word), or two letters swapped. */
function near(w: string, key: string): boolean {
  if (w.startsWith(key)) return false;
  const d = distance(w, key);
  if (d <= (key.length >= 8 ? 2 : 1)) return true;
  return d === 2 && swapsTwoLetters(w, key);
}

export function fixTypos(text: string): string {
  let out = text;
  for (const [re, to] of PHRASES) out = out.replace(re, to);
  return out.replace(/\b[a-z]{5,}\b/gi, (word) => {
    const w = word.toLowerCase();
    if (KEY_WORDS.includes(w) || NOT_TYPOS.has(w) || COMMON_WORDS.has(w)) return word;
    return KEY_WORDS.find((k) => near(w, k)) ?? word;
  });
}
