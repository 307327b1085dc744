import { titleWords } from '@aura/assistant';
import { PluginError } from './types.ts';

/** An event as every calendar plugin reads it. */
export interface Slot {
  id: string;
  title: string;
  start: string;
  end: string;
  attendees?: string[];
}

const clock = (iso: string) => new Date(iso).toISOString().slice(11, 16);

/**
 * Planning checked the calendar, but an approval can come hours later: a create or a move checks
 * it again when it runs, and refuses a slot that another event took in between (never a silent
 * double booking). The event itself (a retried step, the event being moved) does not count.
 */
export function refuseClash(
  busy: Slot[],
  what: { title: string; start: number; end: number },
  ignore: readonly unknown[] = [],
): void {
  const clashes = busy.filter(
    (e) => !ignore.includes(e.id) && Date.parse(e.start) < what.end && Date.parse(e.end) > what.start,
  );
  if (clashes.length === 0) return;
  throw new PluginError(
    `"${what.title}" was not booked: ${new Date(what.start).toISOString().slice(0, 10)} ${clock(new Date(what.start).toISOString())}–${clock(new Date(what.end).toISOString())} UTC is now taken by ${clashes
      .map((c) => `"${c.title}" (${clock(c.start)}–${clock(c.end)} UTC)`)
      .join(', ')}, added after the plan was made. Ask again for another time.`,
    false,
  );
}

/** Events narrowed as a question asks: "my meeting with John" has a title word and a person. */
export function matching<T extends Slot>(events: T[], params: Record<string, unknown>): T[] {
  const title = titleWords(typeof params.title === 'string' ? params.title : undefined);
  const who = (Array.isArray(params.attendees) ? params.attendees : [])
    .filter((a): a is string => typeof a === 'string')
    // A person is found by any of their names in the title or among the attendees.
    .map((a) => a.toLowerCase().split(/\s+/)[0] ?? '');
  return events.filter((e) => {
    const t = e.title.toLowerCase();
    const attendees = (e.attendees ?? []).map((a) => a.toLowerCase());
    return title.every((w) => t.includes(w)) && who.every((w) => t.includes(w) || attendees.some((a) => a.includes(w)));
  });
}

/** A move's new start: the one given, or the old start shifted ("push it back an hour"). */
export function newStart(params: Record<string, unknown>, oldStart: number): number {
  if (typeof params.start === 'string') {
    const t = Date.parse(params.start);
    if (Number.isNaN(t)) throw new PluginError('start is not a time', false);
    return t;
  }
  const shift = Number(params.shiftMinutes);
  if (!Number.isFinite(shift) || shift === 0)
    throw new PluginError('a move needs a new start or a shift in minutes', false);
  return oldStart + shift * 60_000;
}
