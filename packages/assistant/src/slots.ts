import type * as chrono from 'chrono-node';
import { type ListRequest, listRequest } from './list-items.ts';
import { type NameMention, nameMentions } from './names.ts';
import { builtinSlotTagger } from './nlu/builtin-model.ts';
import { tagText } from './nlu/tagger.ts';
import { prepareText, readWhen } from './when.ts';
import { zoneOffsetMinutes } from './zone.ts';

export { zoneOffsetMinutes } from './zone.ts';

export interface Slots {
  /** The request as the slots were read from it: day words spelt out ("tmrw" is "tomorrow"). */
  text: string;
  /** When, as the user said it and as resolved against "now" (for a move: the new time). */
  when?: { text: string; start: string; end?: string };
  /** For a move: the time that identifies the event ("my 3pm meeting"). */
  from?: { text: string; start: string; timeSaid?: boolean };
  /** A day said without a time of day ("to Friday"), where the time matters. */
  dayOnly?: boolean;
  /** A clock time said without a day ("to 1pm"): a move keeps the event's day. */
  timeOnly?: boolean;
  durationMinutes?: number;
  /** For a move without a new time: "push it back an hour" is +60. */
  shiftMinutes?: number;
  emails: string[];
  /** Where the request names someone: names and relationship words, each resolved or asked about. */
  names: NameMention[];
  /** The first person named, as the user wrote it (the decision trace records it). */
  mentionedPerson?: string;
  title?: string;
  /** "every day", "every Monday", "weekly": how often an event repeats (RRULE-like FREQ). */
  recurrence?: { frequency: 'daily' | 'weekly' | 'monthly'; byDay?: string };
  /** The request moves something that exists ("move", "reschedule", "push back"). */
  reschedule?: boolean;
  place?: string;
  listName?: string;
  /** What a list request adds or removes ("bread and butter" is two items). */
  items: string[];
  listVerb?: ListRequest['verb'];
  /** A thing to do, said without a reminder's words: it goes on the to-do list. */
  todo?: boolean;
  /**
   * What a move, a cancel or a question names as the event: "the quarterly planning" in "move
   * the quarterly planning to 3", "yoga" in "cancel yoga". Matched against event titles.
   */
  subject?: string;
  /** What to look for in mail: "about the barbecue", a sender who is none of the user's people. */
  query?: string;
}

const TIME_LIKE = /^(?:\d{1,2}(?::\d{2})?\s*(?:am|pm|a\.m\.|p\.m\.)?|an? hours?|\d+ (?:min|minutes|hours?))$/i;

/**
 * Names, relations, places, event titles and list names from the slot tagger trained on HWU64's
 * annotations. Dates and times are chrono's: a tagged span that overlaps one of chrono's dates,
 * or looks like a clock time, is dropped (HWU64 writes times in words, so digits confuse it).
 */
function taggedSpans(text: string, dates: chrono.ParsedResult[]) {
  const taken = dates.map((d) => [d.index, d.index + d.text.length] as const);
  return tagText(builtinSlotTagger(), text).filter(
    (s) =>
      !['date', 'time', 'timeofday', 'time_zone'].includes(s.type) &&
      !TIME_LIKE.test(s.text) &&
      !taken.some(([a, b]) => s.start < b && a < s.end),
  );
}

const ABOUT_EVENT =
  /\b(?:move|moving|reschedule|postpone|push|shift|bump|delay|change|cancel|call off|scrap|scratch|drop|delete|nix|when is|when's|whens|what time is|is|was)\s+/i;
const SUBJECT_END =
  /\s(?:to|until|till|by|for|with|w|at|on|from|back|forward|later|earlier|still|tomorrow|today|tonight|this|next|on my|in my)\b|[,.;!?]|$/i;
const SUBJECT_SKIP = new Set(
  "my the our this that a an it its there any anything something everything all tomorrow's today's tonight's".split(
    ' ',
  ),
);

/** The words that name the event a move, a cancel or a question is about (times already blanked). */
function subjectOf(blanked: string): string | undefined {
  const verb = blanked.match(ABOUT_EVENT);
  if (!verb) return undefined;
  const after = blanked.slice((verb.index ?? 0) + verb[0].length).replace(/\s+/g, ' ');
  const cut = after.search(SUBJECT_END);
  const words = (cut >= 0 ? after.slice(0, cut) : after)
    .trim()
    .split(/\s+/)
    .filter((w) => w && !SUBJECT_SKIP.has(w.toLowerCase()));
  const phrase = words.join(' ').trim();
  return phrase && phrase.length <= 60 ? phrase : undefined;
}

const WORD_EMAIL = /[\w.+-]+@[\w-]+(\.[\w-]+)+/g;

/** Dates, times and durations (chrono-node), emails, people, relations, titles, places and list items. */
export function extractSlots(said: string, now: Date, timeZone?: string): Slots {
  const slots: Slots = { text: said, emails: [], names: [], items: [] };
  if (
    /\b(move|moving|reschedule|postpone|push|bump|slide|budge|delay|bring\b.{0,40}?\bforward|change the time)\b|(?<!\b(?:my|the|night|day|early|late|morning|evening|a|next|first|second)\s)\bshift\b(?!\s+(?:handover|change|swap|work|schedule|pattern|lead|report|starts?|ends?|at|on)\b)/iu.test(
      said,
    ) ||
    /\b(?:change|switch)\s+(?:my|the|our|that|this)\b.*\bto\b/i.test(said) ||
    /\b(?:need|want|get|have|like)\b.{0,40}\b(?:moved|rescheduled|pushed|shifted)\s+(?:to|back|forward|by)\b/i.test(
      said,
    )
  )
    slots.reschedule = true;
  // Everything below reads the prepared text ("tmrw" is "tomorrow"): positions match within it.
  const text = prepareText(said, slots.reschedule === true, now);
  if (!slots.reschedule && /\b(?:move|reschedule|postpone|bring forward)\b/i.test(text)) slots.reschedule = true;
  slots.text = text;
  const read = readWhen(text, now, {
    reschedule: slots.reschedule === true,
    ...(timeZone ? { timeZone: zoneOffsetMinutes(timeZone, now) } : {}),
    ...(timeZone ? { zone: timeZone } : {}),
  });
  if (read.durationMinutes) slots.durationMinutes = read.durationMinutes;
  // "from 11am to noon": a range says how long, too.
  else if (read.when?.end && !slots.reschedule) {
    const minutes = Math.round((Date.parse(read.when.end) - Date.parse(read.when.start)) / 60_000);
    if (minutes > 0 && minutes <= 24 * 60) slots.durationMinutes = minutes;
  }
  if (read.shiftMinutes !== undefined) slots.shiftMinutes = read.shiftMinutes;
  if (read.when) {
    slots.when = { text: read.when.text, start: read.when.start, ...(read.when.end ? { end: read.when.end } : {}) };
    if (!read.when.timeSaid) slots.dayOnly = true;
    if (!read.when.daySaid) slots.timeOnly = true;
  }
  if (read.from) slots.from = { text: read.from.text, start: read.from.start, timeSaid: read.from.timeSaid };
  const dates = read.dates;
  const spans = taggedSpans(text, dates);
  const span = (...types: string[]) => spans.find((s) => types.includes(s.type))?.text;
  slots.emails = [...text.matchAll(WORD_EMAIL)].map((m) => m[0]);
  // The text with its times and durations blanked out, position for position.
  const withoutDates = dates.reduce(
    (t, d) => t.slice(0, d.index) + ' '.repeat(d.text.length) + t.slice(d.index + d.text.length),
    read.rest,
  );
  const list = listRequest(text);
  if (list.list) slots.listName = list.list;
  else if (span('list_name')) slots.listName = span('list_name');
  slots.items = list.items;
  if (list.verb) slots.listVerb = list.verb;
  const place = withoutDates.match(/\b(?:at|in)\s+(?:the\s+)?([A-Z][\w'-]*(?:\s+[A-Z][\w'-]*)*)/);
  // A tagged place counts where a place stands ("at the office"), not "with Bill".
  const taggedPlace = spans.find(
    (s) =>
      (s.type === 'place_name' || s.type === 'business_name') &&
      /\b(?:at|in|near)\s+(?:the\s+)?$/i.test(text.slice(Math.max(0, s.start - 12), s.start)),
  );
  let placeSpan: [number, number] | undefined;
  if (place?.[1]) {
    slots.place = place[1];
    const at = (place.index ?? 0) + place[0].length - place[1].length;
    placeSpan = [at, at + place[1].length];
  } else if (taggedPlace) {
    slots.place = taggedPlace.text;
    placeSpan = [taggedPlace.start, taggedPlace.end];
  }
  // Words that are a time, a duration, an email address or a place are not people.
  const emailSpans = [...text.matchAll(WORD_EMAIL)].map((m) => [m.index ?? 0, (m.index ?? 0) + m[0].length] as const);
  const taken = (a: number, b: number) =>
    (withoutDates[a] === ' ' && text[a] !== ' ') ||
    emailSpans.some(([x, y]) => a < y && x < b) ||
    (placeSpan !== undefined && a < placeSpan[1] && placeSpan[0] < b);
  slots.names = nameMentions(
    text,
    taken,
    spans.filter((s) => s.type === 'person'),
  );
  const first = slots.names.find((m) => m.strength === 'named');
  if (first) slots.mentionedPerson = first.text;
  const about = withoutDates.match(
    /\b(?:about|regarding|re:?|concerning|on the subject of)\s+(?:the\s+)?([^,.;!?]+?)\s*(?:[,.;!?]|$)/i,
  );
  if (about?.[1]?.trim()) slots.query = about[1].trim();
  const subject = subjectOf(withoutDates);
  if (subject) slots.subject = subject;
  const every = text.match(
    /\b(?:every|each)\s+(day|week|month|monday|tuesday|wednesday|thursday|friday|saturday|sunday)\b|\b(daily|weekly|monthly)\b/i,
  );
  if (every) {
    const word = (every[1] ?? every[2] ?? '').toLowerCase();
    slots.recurrence = /^(day|daily)$/.test(word)
      ? { frequency: 'daily' }
      : /^(month|monthly)$/.test(word)
        ? { frequency: 'monthly' }
        : /^(week|weekly)$/.test(word)
          ? { frequency: 'weekly' }
          : { frequency: 'weekly', byDay: word.slice(0, 2).toUpperCase() };
  }
  const event = span('event_name');
  const title = text.match(
    /\b(meeting|call|lunch|dinner|breakfast|coffee|appointment|review|interview|standup|stand-up|sync|one-on-one|catch-up|catchup|dentist|doctor|haircut|session|class|workout)\b/i,
  );
  const oneOnOne = text.match(/(?:^|\s)(1:1|1-on-1|one on one)(?=[\s,.!?]|$)/i);
  if (event && !/^(meet|meetings?)$/i.test(event)) slots.title = event;
  else if (oneOnOne?.[1]) slots.title = '1:1';
  else if (title?.[1]) slots.title = title[1].toLowerCase();
  return slots;
}
