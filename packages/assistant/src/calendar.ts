import type { Vault, VaultRecord } from '@aura/client';

/** An event already in the user's calendar, as a calendar plugin reads it on the client. */
export interface BusyEvent {
  id: string;
  title: string;
  start: string;
  end: string;
}

/** The calendar the planner checks for double bookings (the enabled calendar plugin). */
export interface CalendarView {
  eventsBetween(start: string, end: string): Promise<BusyEvent[]>;
}

/**
 * The built-in calendar: events are context records of type "event" in the user's vault, so the
 * server holds only their ciphertext (and blind-index tokens of the title, like any note).
 */
export interface CalendarEvent extends BusyEvent {
  attendees: string[];
  location?: string;
  recurrence?: { frequency: 'daily' | 'weekly' | 'monthly'; byDay?: string };
}

interface EventFields {
  start: string;
  end: string;
  attendees?: string[];
  location?: string;
  recurrence?: CalendarEvent['recurrence'];
}

export type NewEvent = Omit<CalendarEvent, 'id'> & { id?: string };

const DAY = 24 * 3_600_000;
const BYDAY = ['SU', 'MO', 'TU', 'WE', 'TH', 'FR', 'SA'];

function toEvent(r: VaultRecord<'contexts'>): CalendarEvent | undefined {
  const f = r.data.fields as EventFields | undefined;
  if (r.data.type !== 'event' || !f || typeof f.start !== 'string' || typeof f.end !== 'string') return undefined;
  return {
    id: r.id,
    title: r.data.text,
    start: f.start,
    end: f.end,
    attendees: f.attendees ?? [],
    ...(f.location ? { location: f.location } : {}),
    ...(f.recurrence ? { recurrence: f.recurrence } : {}),
  };
}

/** Occurrences of an event that overlap [from, to): a repeating event yields one per repeat. */
export function occurrences(event: CalendarEvent, from: number, to: number): CalendarEvent[] {
  const start = Date.parse(event.start);
  const length = Date.parse(event.end) - start;
  const out: CalendarEvent[] = [];
  const push = (s: number) => {
    if (s < to && s + length > from)
      out.push({ ...event, start: new Date(s).toISOString(), end: new Date(s + length).toISOString() });
  };
  const r = event.recurrence;
  if (!r) {
    push(start);
    return out;
  }
  if (r.frequency === 'monthly') {
    for (let n = 0; n < 1200; n++) {
      const d = new Date(start);
      d.setUTCMonth(d.getUTCMonth() + n);
      if (d.getTime() >= to) break;
      push(d.getTime());
    }
    return out;
  }
  const step = r.frequency === 'daily' ? DAY : 7 * DAY;
  let first = start;
  if (r.byDay && BYDAY.indexOf(r.byDay) >= 0) {
    const shift = (BYDAY.indexOf(r.byDay) - new Date(start).getUTCDay() + 7) % 7;
    first = start + shift * DAY;
  }
  const skip = Math.max(0, Math.floor((from - length - first) / step));
  for (let s = first + skip * step; s < to; s += step) push(s);
  return out;
}

export class LocalCalendar implements CalendarView {
  constructor(private readonly vault: Vault) {}

  async all(): Promise<CalendarEvent[]> {
    return (await this.vault.list('contexts')).flatMap((r) => toEvent(r) ?? []);
  }

  /** Every occurrence overlapping [start, end), earliest first. */
  async eventsBetween(start: string, end: string): Promise<CalendarEvent[]> {
    const from = Date.parse(start);
    const to = Date.parse(end);
    return (await this.all())
      .flatMap((e) => occurrences(e, from, to))
      .sort((a, b) => Date.parse(a.start) - Date.parse(b.start));
  }

  /** Creates the event; with an id it is idempotent (a retried create finds the first one). */
  async create(event: NewEvent): Promise<CalendarEvent> {
    if (!(Date.parse(event.end) > Date.parse(event.start))) throw new RangeError('an event must end after it starts');
    if (event.id) {
      const existing = (await this.all()).find((e) => e.id === event.id);
      if (existing) return existing;
    }
    const fields: EventFields = {
      start: new Date(event.start).toISOString(),
      end: new Date(event.end).toISOString(),
      attendees: event.attendees,
      ...(event.location ? { location: event.location } : {}),
      ...(event.recurrence ? { recurrence: event.recurrence } : {}),
    };
    const record = await this.vault.put(
      'contexts',
      { text: event.title, type: 'event', fields: fields as unknown as Record<string, unknown> },
      event.id ? { id: event.id } : {},
    );
    return toEvent(record) as CalendarEvent;
  }

  async remove(id: string): Promise<void> {
    await this.vault.delete('contexts', id);
  }

  /** The calendar as iCalendar (RFC 5545), for any other calendar application. */
  async exportIcs(): Promise<string> {
    const stamp = (iso: string) => `${iso.replace(/[-:]/g, '').replace(/\.\d{3}/, '')}`;
    const icsText = (t: string) => t.replace(/[\\;,]/g, (c) => `\\${c}`).replace(/\n/g, '\\n');
    const lines = ['BEGIN:VCALENDAR', 'VERSION:2.0', 'PRODID:-//Aura//Local calendar//EN'];
    for (const e of await this.all()) {
      lines.push(
        'BEGIN:VEVENT',
        `UID:${e.id}@aura`,
        `DTSTAMP:${stamp(new Date().toISOString())}`,
        `DTSTART:${stamp(e.start)}`,
        `DTEND:${stamp(e.end)}`,
        `SUMMARY:${icsText(e.title)}`,
        ...(e.location ? [`LOCATION:${icsText(e.location)}`] : []),
        ...(e.recurrence
          ? [
              `RRULE:FREQ=${e.recurrence.frequency.toUpperCase()}${e.recurrence.byDay ? `;BYDAY=${e.recurrence.byDay}` : ''}`,
            ]
          : []),
        ...e.attendees.map((a) => `ATTENDEE;CN=${icsText(a)}:${a.includes('@') ? `mailto:${a}` : 'invalid:nomail'}`),
        'END:VEVENT',
      );
    }
    lines.push('END:VCALENDAR');
    return `${lines.join('\r\n')}\r\n`;
  }
}
