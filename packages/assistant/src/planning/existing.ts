import type { BusyEvent, CalendarView } from '../calendar.ts';
import type { Slots } from '../slots.ts';
import { atWallClock, wallClock } from '../zone.ts';
import { clock, dayRange, local } from './clock.ts';
import type { Person } from './plan.ts';

const DAY = 86_400_000;
const GENERIC = new Set(['meeting', 'event', 'appointment', 'thing']);

/** The words of a title that tell events apart: "dentist appointment" is found by "dentist". */
export const titleWords = (title: string | undefined): string[] =>
  (title ?? '')
    .toLowerCase()
    .split(/[^\p{L}\p{N}:]+/u)
    .filter((w) => w.length > 1 && !GENERIC.has(w));
const LOOK_AHEAD_DAYS = 60;

/**
 * The event a move or a cancel is about, read from the calendar when the request is planned:
 * "my lunch with Sarah" is the next event whose title says lunch and Sarah (or that has her as
 * an attendee), at the time said if one was ("my 3pm"). The agent looks it up again when the
 * step runs; this lets the plan say which event, keep its day or time, and check the new slot.
 */
export async function findExisting(
  calendar: CalendarView,
  slots: Slots,
  people: Person[],
  now: Date,
  timeZone?: string,
): Promise<{ event?: BusyEvent; matches: BusyEvent[] }> {
  const around = slots.from ?? (slots.reschedule ? undefined : slots.when);
  const range = around
    ? dayRange(around.start, now, timeZone)
    : {
        start: new Date(now.getTime() - 3_600_000).toISOString(),
        end: new Date(now.getTime() + LOOK_AHEAD_DAYS * DAY).toISOString(),
      };
  const events = await calendar.eventsBetween(range.start, range.end);
  const title = titleWords(slots.subject ?? slots.title);
  const at = slots.from?.timeSaid ? local(slots.from.start, timeZone) : undefined;
  const matches = events.filter((e) => {
    const words = e.title.toLowerCase();
    const titled = new Set(words.split(/[^\p{L}\p{N}:]+/u));
    const attendees = ((e as { attendees?: string[] }).attendees ?? []).map((a) => a.toLowerCase());
    // Each word said is a word of the title ("parent teacher conference", "the yoga" for "Yoga class").
    if (title.length > 0 && !title.every((w) => titled.has(w) || (w.length >= 4 && words.includes(w)))) return false;
    for (const p of people) {
      const first = p.name.toLowerCase().split(/\s+/)[0] ?? '';
      if (!words.includes(first) && !attendees.some((a) => a.includes(first))) return false;
    }
    // "my 3pm": the event starts at that clock time.
    if (slots.from && at) {
      const s = local(e.start, timeZone);
      if (s.hour !== at.hour || s.minute !== at.minute) return false;
    }
    return Boolean(title.length || people.length || slots.from);
  });
  matches.sort((a, b) => Date.parse(a.start) - Date.parse(b.start));
  const event = matches[0];
  return { ...(event ? { event } : {}), matches };
}

/** A move's new time, completed from the event: its day for "to 1pm", its time for "to Friday". */
export function completeMove(slots: Slots, event: BusyEvent, timeZone?: string): { slots: Slots; reasoning: string } {
  const out: Slots = {
    ...slots,
    // The step finds the event by its own start, whatever the request said of it.
    from: { text: slots.from?.text ?? clock(event.start, timeZone), start: event.start, timeSaid: true },
  };
  const length = Math.round((Date.parse(event.end) - Date.parse(event.start)) / 60_000);
  out.durationMinutes ??= length;
  // The wall-clock time of `base` on the local day of `dayFrom`.
  const shiftTo = (base: string, dayFrom: string) => {
    const { year, month, day } = wallClock(dayFrom, timeZone);
    const { hour, minute } = wallClock(base, timeZone);
    return atWallClock({ year, month, day, hour, minute }, timeZone).toISOString();
  };
  if (out.when && out.timeOnly) {
    out.when = { ...out.when, start: shiftTo(out.when.start, event.start) };
    delete out.timeOnly;
  } else if (out.when && out.dayOnly) {
    out.when = { ...out.when, start: shiftTo(event.start, out.when.start) };
    delete out.dayOnly;
  } else if (!out.when && out.shiftMinutes !== undefined) {
    const start = new Date(Date.parse(event.start) + out.shiftMinutes * 60_000).toISOString();
    out.when = {
      text: `${clock(start, timeZone)}, ${Math.abs(out.shiftMinutes)} minutes ${out.shiftMinutes > 0 ? 'later' : 'earlier'}`,
      start,
    };
  }
  return {
    slots: out,
    reasoning: `That is "${event.title}", ${new Date(event.start).toDateString()} ${clock(event.start, timeZone)}–${clock(event.end, timeZone)}.`,
  };
}
