import * as chrono from 'chrono-node';
import { distance } from 'fastest-levenshtein';
import { fixTypos } from './typos.ts';
import { atWallClock, wallClock } from './zone.ts';

/**
 * Days, times, durations and shifts read together, as people say them: "a 45 minute meeting on
 * Friday at 2pm" is Friday 14:00 for 45 minutes (the duration is taken out before chrono reads
 * the rest, so "45 minute" is not "in 45 minutes"); "move my 3pm to 4pm" has an old time that
 * finds the event and a new one it moves to; "push it back an hour" shifts by 60 minutes.
 */
export interface Moment {
  /** The words as the user wrote them. */
  text: string;
  start: string;
  end?: string;
  /** Whether the clock time was said (not only a day). */
  timeSaid: boolean;
  /** Whether the day was said (not only a clock time, which chrono puts on the next such time). */
  daySaid: boolean;
}

export interface When {
  when?: Moment;
  /** For a move: the time that identifies the event ("my 3pm meeting"). */
  from?: Moment;
  durationMinutes?: number;
  /** For a move without a new time: by how much ("back an hour" +60, "earlier by 15 minutes" −15). */
  shiftMinutes?: number;
  /** The text without the duration and shift, for other slots to read. */
  rest: string;
  /** What chrono found in `rest` (the other slots' readers need its spans too). */
  dates: chrono.ParsedResult[];
}

const DAY_MS = 86_400_000;
const MONTHS = [
  'January',
  'February',
  'March',
  'April',
  'May',
  'June',
  'July',
  'August',
  'September',
  'October',
  'November',
  'December',
];

const NUMBER_WORDS: Record<string, number> = {
  a: 1,
  an: 1,
  one: 1,
  two: 2,
  three: 3,
  four: 4,
  five: 5,
  six: 6,
  seven: 7,
  eight: 8,
  nine: 9,
  ten: 10,
  fifteen: 15,
  twenty: 20,
  'twenty five': 25,
  thirty: 30,
  forty: 40,
  'forty five': 45,
  fifty: 50,
  sixty: 60,
  ninety: 90,
};
const NUM = String.raw`(\d+(?:\.\d+)?|an?|one|two|three|four|five|six|seven|eight|nine|ten|fifteen|twenty(?:[- ]five)?|thirty|forty(?:[- ]five)?|fifty|sixty|ninety|half an?|a quarter of an?|a half)`;
const UNIT = '(minutes?|mins?|hours?|hrs?|hr|h)';
const AMOUNT = `${NUM}\\s*-?\\s*${UNIT}(\\s+and\\s+a\\s+half)?`;

function minutesOf(amount: string, unit: string, andAHalf: boolean): number {
  const a = amount.toLowerCase().replace('-', ' ');
  const n = /^half/.test(a) ? 0.5 : /quarter/.test(a) ? 0.25 : (NUMBER_WORDS[a] ?? Number(a));
  const hours = /^h/i.test(unit);
  return Math.round((hours ? n * 60 : n) + (andAHalf ? (hours ? 30 : 0.5) : 0));
}

// "for 45 minutes", "a 45-minute meeting", "an hour-long call", "90 min", "an hour and a half".
// Not "in 20 minutes" or "20 minutes from now" (times), nor "an hour later" (a shift).
const DURATION = new RegExp(
  String.raw`(?<!\b(?:in|within|after|every|by)\s+)(?<!\b(?:in|within|after|every|by)\s+(?:about|around|roughly)\s+)\b(for\s+(?:about\s+|around\s+)?)?${AMOUNT}(?:[\s-]*long)?\b(?!\s+(?:from now|later|earlier|before|after|ago|early|late|back|forward|sooner))`,
  'gi',
);
const HALF_HOUR = /\b(?:a\s+)?half[\s-]hour(?:[\s-]*long)?\b/i;

const SHIFT_WORDS = '(back|forward|later|earlier|up|ahead|sooner)';
const SHIFTS = [
  // "push it back an hour", "bring it forward by 30 minutes", "move it up 15 min"
  new RegExp(String.raw`\b${SHIFT_WORDS}\s+(?:by\s+)?(?:about\s+)?${AMOUNT}`, 'i'),
  // "an hour later", "by 30 minutes earlier", "push it by an hour" (back is meant)
  new RegExp(String.raw`\b(?:by\s+)?${AMOUNT}\s+${SHIFT_WORDS}`, 'i'),
  new RegExp(String.raw`\b(?:delay|postpone|push|bump)\b[^.?!]*?\bby\s+${AMOUNT}`, 'i'),
];

function shiftOf(text: string): { minutes: number; span: string } | undefined {
  for (const [n, re] of SHIFTS.entries()) {
    const m = text.match(re);
    if (!m) continue;
    const [dir, amount, unit, half] =
      n === 0 ? [m[1], m[2], m[3], m[4]] : n === 1 ? [m[4], m[1], m[2], m[3]] : ['back', m[1], m[2], m[3]];
    const minutes = minutesOf(amount ?? '', unit ?? '', Boolean(half));
    const earlier = /^(forward|earlier|up|ahead|sooner)$/i.test(dir ?? '');
    // "bump my meeting with John by 30 minutes": only "by 30 minutes" is the shift's.
    const span = n === 2 ? m[0].slice(m[0].search(/\bby\s/i)) : m[0];
    return { minutes: earlier ? -minutes : minutes, span };
  }
  return undefined;
}

const DAY_WORDS = [
  'tomorrow',
  'today',
  'tonight',
  'monday',
  'tuesday',
  'wednesday',
  'thursday',
  'friday',
  'saturday',
  'sunday',
  'morning',
  'afternoon',
  'evening',
  'next',
  'week',
];
const SHORTHAND: Record<string, string> = {
  tmrw: 'tomorrow',
  tmr: 'tomorrow',
  tmrow: 'tomorrow',
  '2moro': 'tomorrow',
  '2morrow': 'tomorrow',
  tmw: 'tomorrow',
  tdy: 'today',
  tonite: 'tonight',
  mtg: 'meeting',
  mtng: 'meeting',
  appt: 'appointment',
  '2nite': 'tonight',
  thur: 'thursday',
  thurs: 'thursday',
  tues: 'tuesday',
  weds: 'wednesday',
};

/**
 * Day words as people type them ("tmrw", "tomorow", "wendesday") made the words chrono reads;
 * "half past two" made "2:30". Replacements keep what the user wrote wherever it is not a time.
 */
export function normalizeTimeWords(text: string): string {
  return (
    text
      .replace(/\b[a-z0-9]+\b/gi, (word) => {
        const w = word.toLowerCase();
        if (SHORTHAND[w]) return SHORTHAND[w];
        if (w.length < 6 || DAY_WORDS.includes(w) || !/^[a-z]+$/.test(w)) return word;
        const near = DAY_WORDS.find((d) => d.length >= 6 && distance(w, d) <= (d.length >= 8 ? 2 : 1));
        return near ?? word;
      })
      .replace(/\b(half|quarter) past (\d{1,2}|\w+)\b/gi, (m, part: string, h: string) => {
        const hour = hourOf(h);
        return hour === undefined ? m : `${hour}:${/half/i.test(part) ? '30' : '15'}`;
      })
      // "monday 10 hour", "wednesday 11 hours" (a clock time as some say it); "9 in morning".
      .replace(
        /\b(today|tomorrow|tonight|monday|tuesday|wednesday|thursday|friday|saturday|sunday)\s+(\d{1,2})\s+hours?\b/gi,
        (_, day: string, h: string) => `${day} at ${h}:00`,
      )
      .replace(/\bin (morning|afternoon|evening)\b/gi, 'in the $1')
      // chrono reads "at midnight" as noon.
      .replace(/\b(at|by|before|until|till|around)\s+midnight\b/gi, '$1 12am')
      // British "half 6" is 6:30; American "a quarter after 2" is 2:15.
      .replace(
        /\bhalf (\d{1,2}|one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve)\b(?!\s*(?:hours?|hrs?|minutes?|mins?|an?\b))/gi,
        (m, h: string) => {
          const hour = hourOf(h);
          return hour === undefined ? m : `${hour}:30`;
        },
      )
      .replace(/\b(?:a\s+)?quarter after (\d{1,2}|\w+)\b/gi, (m, h: string) => {
        const hour = hourOf(h);
        return hour === undefined ? m : `${hour}:15`;
      })
      // "an hour and a half", "two and a half hours", "1.5 hours": minutes, which chrono adds up right.
      .replace(/\b(an?|one|two|three|\d+)\s+hours?\s+and\s+a\s+half\b/gi, (m, n: string) => {
        const hours = /^(an?|one)$/i.test(n)
          ? 1
          : n.toLowerCase() === 'two'
            ? 2
            : n.toLowerCase() === 'three'
              ? 3
              : Number(n);
        return Number.isFinite(hours) ? `${hours * 60 + 30} minutes` : m;
      })
      .replace(/\b(one|two|three|\d+)\s+and\s+a\s+half\s+hours?\b/gi, (m, n: string) => {
        const hours =
          n.toLowerCase() === 'one' ? 1 : n.toLowerCase() === 'two' ? 2 : n.toLowerCase() === 'three' ? 3 : Number(n);
        return Number.isFinite(hours) ? `${hours * 60 + 30} minutes` : m;
      })
      .replace(/\b(\d+)\.5\s+hours?\b/gi, (_, n: string) => `${Number(n) * 60 + 30} minutes`)
      .replace(/\bquarter to (\d{1,2}|\w+)\b/gi, (m, h: string) => {
        const hour = hourOf(h);
        return hour === undefined ? m : `${hour === 1 ? 12 : hour - 1}:45`;
      })
  );
}

const HOURS = ['one', 'two', 'three', 'four', 'five', 'six', 'seven', 'eight', 'nine', 'ten', 'eleven', 'twelve'];
function hourOf(word: string): number | undefined {
  if (/^\d{1,2}$/.test(word) && Number(word) >= 1 && Number(word) <= 12) return Number(word);
  const i = HOURS.indexOf(word.toLowerCase());
  return i >= 0 ? i + 1 : undefined;
}

type Parsed = chrono.ParsedResult;
const parts = (c: chrono.ParsedComponents) => ({
  year: c.get('year') as number,
  month: c.get('month') as number,
  day: c.get('day') as number,
  hour: c.get('hour') as number,
  minute: c.get('minute') as number,
});

/**
 * "at 3" for a meeting is 3pm: an hour from 1 to 7 without am/pm is in the afternoon, unless the
 * request is about the morning ("wake me up at 7", "breakfast at 7").
 */
function afternoon(c: chrono.ParsedComponents, text: string): { hour: number } | undefined {
  const hour = c.get('hour') as number;
  if (/\b(wake|alarm|morning|breakfast|sunrise|early)\b/i.test(text)) return undefined;
  if (c.isCertain('hour') && !c.isCertain('meridiem') && hour >= 1 && hour <= 7) return { hour: hour + 12 };
  return undefined;
}

/**
 * The request as the slot readers see it: day words as chrono reads them, and for a move a bare
 * hour after "to" as a clock time ("move my 10am to 11"). Everything else is as the user wrote it.
 */
export function prepareText(text: string, reschedule: boolean, now?: Date): string {
  let normal = normalizeTimeWords(fixTypos(text));
  // chrono knows "the day after tomorrow" only with its article.
  if (now) normal = normal.replace(/\b(?<!the\s)day after tomorrow\b/gi, 'the day after tomorrow');
  // "on the 25th": that day of this month, or of the next once it has passed (chrono reads it as today).
  if (now)
    normal = normal.replace(
      /\b(?:on\s+)?the\s+(\d{1,2})(?:st|nd|rd|th)\b(?!\s+(?:of\s+)?(?:jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec)[a-z]*)/gi,
      (m, d: string) => {
        const day = Number(d);
        if (day < 1 || day > 31) return m;
        const month = now.getUTCDate() > day ? (now.getUTCMonth() + 1) % 12 : now.getUTCMonth();
        return `on ${MONTHS[month]} ${day}`;
      },
    );
  if (!reschedule) return normal;
  return normal.replace(
    /\b(to|until|till|for)\s+(\d{1,2})\b(?![:.\d]|\s*(?:am|pm|a\.m|p\.m|o'?clock|minutes?|mins?|hours?|hrs?|h\b|days?|weeks?|people|%))/gi,
    (_, word: string, hour: string) => `${word} ${hour}:00`,
  );
}

/** Times, durations and shifts of a prepared text (prepareText); blanked spans keep their length. */
export function readWhen(
  original: string,
  now: Date,
  { reschedule, timeZone, zone }: { reschedule: boolean; timeZone?: number; zone?: string },
): When {
  let text = original;
  const out: When = { rest: text, dates: [] };
  const blank = (span: string) => {
    text = text.replace(span, ' '.repeat(span.length));
  };
  if (reschedule) {
    const shift = shiftOf(text);
    if (shift) {
      out.shiftMinutes = shift.minutes;
      blank(shift.span);
    }
  }
  for (const m of text.matchAll(DURATION)) {
    // "two hours" in "wake me up in two hours" is excluded by the look-behind; a bare number
    // ("at 10 for 30") needs its unit, which the pattern requires.
    out.durationMinutes ??= minutesOf(m[2] ?? '', m[3] ?? '', Boolean(m[4]));
    blank(m[0]);
  }
  const half = text.match(HALF_HOUR);
  if (half && out.durationMinutes === undefined) {
    out.durationMinutes = 30;
    blank(half[0]);
  }
  out.rest = text;
  const reference = timeZone === undefined ? now : { instant: now, timezone: timeZone };
  const found = chrono
    .parse(text, reference, { forwardDate: true })
    // "call Lucia about next weekend": the weekend is the topic; "about 3pm" is still a time.
    .filter(
      (r) =>
        r.start.isCertain('hour') ||
        !/\b(?:about|regarding|re)\s*$/i.test(text.slice(Math.max(0, r.index - 12), r.index)),
    );
  out.dates = found;
  const moment = (r: Parsed, c: chrono.ParsedComponents, hourFrom?: chrono.ParsedComponents): Moment => {
    const p = parts(c);
    const timeSource = hourFrom ?? c;
    const timeSaid = timeSource.isCertain('hour');
    let daySaid = c.isCertain('day') || c.isCertain('weekday');
    // "at 9 this morning" is today even once 9 has passed (chrono moves it to tomorrow).
    if (!daySaid && /\bthis (?:morning|afternoon|evening)\b|\btonight\b/i.test(r.text)) {
      const today = wallClock(now, zone);
      p.year = today.year;
      p.month = today.month;
      p.day = today.day;
      daySaid = true;
    }
    if (hourFrom) {
      p.hour = hourFrom.get('hour') as number;
      p.minute = hourFrom.get('minute') as number;
    }
    const pm = afternoon(timeSource, text);
    if (pm) p.hour = pm.hour;
    let at = atWallClock(p, zone);
    // "tonight at midnight" is the midnight that ends today, not the one that began it.
    if (/\b12\s*am\b|\bmidnight\b/i.test(r.text) && p.hour === 0 && at.getTime() <= now.getTime())
      at = new Date(at.getTime() + DAY_MS);
    // "thurs from 11am to noon": a weekday alone is the next one (chrono, inside a range, can pick the last).
    if (
      c.isCertain('weekday') &&
      !c.isCertain('day') &&
      at.getTime() < now.getTime() - 12 * 3_600_000 &&
      !/\blast\b/i.test(r.text)
    )
      at = new Date(at.getTime() + 7 * DAY_MS);
    // "at 5" at 2pm: chrono put 5am on tomorrow (it had passed); 5pm today has not.
    if (pm && !daySaid && at.getTime() - DAY_MS > now.getTime()) at = new Date(at.getTime() - DAY_MS);
    return { text: r.text, start: at.toISOString(), timeSaid, daySaid };
  };
  // "on Friday with Sarah at 2pm": a day and a time said apart are one moment.
  const merged: { r: Parsed; m: Moment }[] = [];
  for (let i = 0; i < found.length; i++) {
    const r = found[i] as Parsed;
    const next = found[i + 1];
    const dayOnly = !r.start.isCertain('hour') && (r.start.isCertain('day') || r.start.isCertain('weekday'));
    const timeOnly = (x: Parsed) =>
      x.start.isCertain('hour') && !x.start.isCertain('day') && !x.start.isCertain('weekday');
    if (
      next &&
      dayOnly &&
      timeOnly(next) &&
      !/\bto\b|\buntil\b/i.test(text.slice(r.index + r.text.length, next.index))
    ) {
      merged.push({ r, m: { ...moment(r, r.start, next.start), text: `${r.text} ${next.text}` } });
      i++;
      continue;
    }
    if (
      next &&
      timeOnly(r) &&
      !next.start.isCertain('hour') &&
      (next.start.isCertain('day') || next.start.isCertain('weekday')) &&
      // "push the 3pm to tomorrow": a time and the day it moves to are two moments.
      !/\bto\b|\buntil\b/i.test(text.slice(r.index + r.text.length, next.index))
    ) {
      merged.push({ r, m: { ...moment(next, next.start, r.start), text: `${r.text} ${next.text}` } });
      i++;
      continue;
    }
    const m = moment(r, r.start);
    if (r.end) {
      let end = Date.parse(moment(r, r.end).start);
      while (end <= Date.parse(m.start) && end > Date.parse(m.start) - 8 * DAY_MS) end += DAY_MS;
      m.end = new Date(end).toISOString();
    }
    merged.push({ r, m });
  }
  // "in 2 hours" is two hours of real time, also across a change of clocks (chrono counts on the wall).
  for (const x of merged) {
    const rel = x.r.text.match(new RegExp(`^(?:in|within)\\s+(?:about\\s+)?${AMOUNT}$|^${AMOUNT}\\s+from now$`, 'i'));
    if (rel) {
      const [amount, unit, half] = rel[1] ? [rel[1], rel[2], rel[3]] : [rel[4], rel[5], rel[6]];
      x.m.start = new Date(now.getTime() + minutesOf(amount ?? '', unit ?? '', Boolean(half)) * 60_000).toISOString();
    }
  }
  if (!reschedule) {
    // "next week, on monday at 10": the moment said most exactly (a day and a time) is the one meant.
    const best = merged.find((x) => x.m.timeSaid && x.m.daySaid) ?? merged.find((x) => x.m.timeSaid) ?? merged[0];
    if (best) out.when = best.m;
    return out;
  }
  // A move: the new time follows "to", "until", "for" (or is the last one said); an earlier one, or
  // one said as "my 3pm", finds the event.
  const before = (r: Parsed) => text.slice(Math.max(0, r.index - 12), r.index).toLowerCase();
  const isTarget = (r: Parsed) => /\b(to|until|till|til|for|into|onto|at)\s*$/.test(before(r));
  const range = merged.length === 1 && merged[0]?.r.end ? merged[0] : undefined;
  const split = range?.r.text.match(/^(.*?)\s+(?:to|until|till)\s+(.*)$/i);
  if (range?.r.end && !range.r.start.isCertain('hour') && split?.[1] && split[2]) {
    // "the standup on monday to 9:30": a day, then the time it moves to, not a range of days (chrono
    // would read the Monday as the one before the time).
    const part = (words: string) => chrono.parse(words, reference, { forwardDate: true })[0];
    const a = part(split[1]);
    const b = part(split[2]);
    if (a) out.from = { ...moment(a, a.start), text: a.text };
    if (b) out.when = { ...moment(b, b.start), text: b.text };
  } else if (range?.r.end) {
    out.from = { ...range.m, text: range.r.text };
    const target = moment(range.r, range.r.end);
    out.when = { ...target, text: range.r.text };
  } else if (merged.length >= 2) {
    const targetAt = merged.findLastIndex((x) => isTarget(x.r));
    const t = targetAt >= 0 ? targetAt : merged.length - 1;
    out.when = merged[t]?.m;
    out.from = merged.find((_, i) => i !== t)?.m;
  } else if (merged.length === 1) {
    const only = merged[0] as { r: Parsed; m: Moment };
    if (isTarget(only.r) || (!/\b(my|the|this|our|that)\s*$/.test(before(only.r)) && out.shiftMinutes === undefined))
      out.when = only.m;
    else out.from = only.m;
  }
  // "to Friday": the day changes, the time of day stays what it was.
  if (out.when && !out.when.timeSaid && out.from?.timeSaid) {
    const { year, month, day } = wallClock(out.when.start, zone);
    const { hour, minute } = wallClock(out.from.start, zone);
    const p = { year, month, day, hour, minute };
    out.when = { ...out.when, start: atWallClock(p, zone).toISOString(), timeSaid: true, daySaid: true };
  }
  // "push my 3pm back an hour": the old clock time, shifted; a day alone ("today's meeting") says
  // nothing to shift from, so the event itself will.
  if (!out.when && out.from?.timeSaid && out.shiftMinutes !== undefined) {
    const start = new Date(Date.parse(out.from.start) + out.shiftMinutes * 60_000).toISOString();
    out.when = {
      text: `${Math.abs(out.shiftMinutes)} minutes ${out.shiftMinutes > 0 ? 'later' : 'earlier'}`,
      start,
      timeSaid: true,
      daySaid: out.from.daySaid,
    };
  }
  return out;
}
