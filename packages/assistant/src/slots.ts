import * as chrono from 'chrono-node';
import { builtinSlotTagger } from './nlu/builtin-model.ts';
import { tagText } from './nlu/tagger.ts';

export interface Slots {
  /** When, as the user said it and as resolved against "now". */
  when?: { text: string; start: string; end?: string };
  durationMinutes?: number;
  emails: string[];
  /** Words that may name a person (resolved against relationships later). */
  personWords: string[];
  /** A person explicitly referred to ("with X", "email X", "invite X", "to X"). */
  mentionedPerson?: string;
  /** A relation named instead of a person ("my manager", "mom"), matched against relationships. */
  relation?: string;
  title?: string;
  /** "every day", "every Monday", "weekly": how often an event repeats (RRULE-like FREQ). */
  recurrence?: { frequency: 'daily' | 'weekly' | 'monthly'; byDay?: string };
  /** The request moves something that exists ("move", "reschedule", "push back"). */
  reschedule?: boolean;
  place?: string;
  listName?: string;
  item?: string;
}

const STOP = new Set(
  'a an the and or but to of in on at for with about from by me my mine i you your we our us it its this that these those is are was be been am do does did please can could would will shall should what whats when where who how set schedule book make create add put remind email send tell call invite meet meeting cancel delete remove move reschedule calendar list shopping notes note tomorrow today tonight morning afternoon evening next week weekend monday tuesday wednesday thursday friday saturday sunday pm am oclock minutes minute hours hour day days up wake new some any all out off there here then than just also'.split(
    ' ',
  ),
);

const DURATION = /\bfor\s+(\d+|an?|one|two|half an?)\s*(minutes?|mins?|hours?|hrs?)\b/i;

function durationOf(text: string): number | undefined {
  const m = text.match(DURATION);
  if (!m) return undefined;
  const amount = /half/i.test(m[1] ?? '')
    ? 0.5
    : /^(an?|one)$/i.test(m[1] ?? '')
      ? 1
      : /two/i.test(m[1] ?? '')
        ? 2
        : Number(m[1]);
  return /^h/i.test(m[2] ?? '') ? amount * 60 : amount;
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

/**
 * chrono reads times in the zone whose offset from UTC (in minutes) is given; the user's time
 * zone preference decides it, so "3pm" is 3pm where the user lives, not where the agent runs.
 */
export function zoneOffsetMinutes(timeZone: string, at: Date): number {
  const parts = new Intl.DateTimeFormat('en-US', {
    timeZone,
    hourCycle: 'h23',
    year: 'numeric',
    month: 'numeric',
    day: 'numeric',
    hour: 'numeric',
    minute: 'numeric',
    second: 'numeric',
  }).formatToParts(at);
  const get = (type: string) => Number(parts.find((p) => p.type === type)?.value);
  const asUtc = Date.UTC(get('year'), get('month') - 1, get('day'), get('hour'), get('minute'), get('second'));
  return Math.round((asUtc - Math.floor(at.getTime() / 1000) * 1000) / 60_000);
}

/** Dates, times and durations (chrono-node), emails, people, relations, titles, places and list items. */
export function extractSlots(text: string, now: Date, timeZone?: string): Slots {
  const slots: Slots = { emails: [], personWords: [] };
  const durationMinutes = durationOf(text);
  if (durationMinutes) slots.durationMinutes = durationMinutes;
  const reference = timeZone ? { instant: now, timezone: zoneOffsetMinutes(timeZone, now) } : now;
  const dates = chrono.parse(text, reference, { forwardDate: true }).filter((r) => !/^for\b/i.test(r.text));
  const spans = taggedSpans(text, dates);
  const span = (...types: string[]) => spans.find((s) => types.includes(s.type))?.text;
  const first = dates[0];
  if (first) {
    slots.when = {
      text: first.text,
      start: first.start.date().toISOString(),
      ...(first.end ? { end: first.end.date().toISOString() } : {}),
    };
  }
  slots.emails = [...text.matchAll(/[\w.+-]+@[\w-]+(\.[\w-]+)+/g)].map((m) => m[0]);
  const withoutDates = dates.reduce((t, d) => t.replace(d.text, ' '), text.replace(DURATION, ' '));
  const mention = withoutDates.match(
    /\b(?:with|email|e-mail|invite|tell|call|text|message|to|from)\s+([A-Za-z][\w'-]*(?:\s+[A-Z][\w'-]*)?)/,
  );
  const taggedPerson = span('person');
  if (mention?.[1] && !STOP.has(mention[1].toLowerCase().split(/\s+/)[0] ?? '')) slots.mentionedPerson = mention[1];
  else if (taggedPerson) slots.mentionedPerson = taggedPerson;
  const relation = span('relation');
  if (relation) slots.relation = relation.toLowerCase();
  slots.personWords = [
    ...new Set(
      withoutDates
        .split(/[^\p{L}'-]+/u)
        .map((w) => w.replace(/'s$/i, ''))
        .filter((w) => w.length >= 2 && !STOP.has(w.toLowerCase())),
    ),
  ];
  const list = text.match(/\b(?:to|on|in|from|off)\s+(?:my|the)\s+([\w -]+?)\s+list\b/i);
  if (list?.[1]) slots.listName = list[1].trim();
  else if (span('list_name')) slots.listName = span('list_name');
  const item = text.match(/\badd\s+(.+?)\s+(?:to|on)\s+(?:my|the)\b/i);
  if (item?.[1]) slots.item = item[1].trim();
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
  if (/\b(move|reschedule|postpone|push (?:it |back)|shift)\b/i.test(text)) slots.reschedule = true;
  const place = withoutDates.match(/\b(?:at|in)\s+(?:the\s+)?([A-Z][\w'-]*(?:\s+[A-Z][\w'-]*)*)/);
  const taggedPlace = span('place_name', 'business_name');
  if (place?.[1]) slots.place = place[1];
  else if (taggedPlace) slots.place = taggedPlace;
  const event = span('event_name');
  const title = text.match(/\b(meeting|call|lunch|dinner|coffee|appointment|review|interview|standup|sync)\b/i);
  if (event) slots.title = event;
  else if (title?.[1]) slots.title = title[1].toLowerCase();
  return slots;
}
