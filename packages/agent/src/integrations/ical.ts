import ICAL from 'ical.js';

/** An event as the calendar plugins return it. */
export interface IcalEvent {
  uid: string;
  title: string;
  start: string;
  end: string;
  attendees: string[];
  location?: string;
  recurrence?: { frequency: 'daily' | 'weekly' | 'monthly'; byDay?: string };
}

const FREQ = { daily: 'DAILY', weekly: 'WEEKLY', monthly: 'MONTHLY' } as const;

/** One VEVENT in a VCALENDAR (RFC 5545), built with ical.js. */
export function eventToIcs(e: IcalEvent, method?: 'REQUEST'): string {
  const cal = new ICAL.Component(['vcalendar', [], []]);
  cal.updatePropertyWithValue('prodid', '-//Aura//Aura assistant//EN');
  cal.updatePropertyWithValue('version', '2.0');
  if (method) cal.updatePropertyWithValue('method', method);
  const vevent = new ICAL.Component('vevent');
  const event = new ICAL.Event(vevent);
  event.uid = e.uid;
  event.summary = e.title;
  event.startDate = ICAL.Time.fromJSDate(new Date(e.start), true);
  event.endDate = ICAL.Time.fromJSDate(new Date(e.end), true);
  vevent.updatePropertyWithValue('dtstamp', ICAL.Time.fromJSDate(new Date(), true));
  if (e.location) event.location = e.location;
  for (const a of e.attendees) {
    const prop = vevent.addPropertyWithValue('attendee', `mailto:${a}`);
    prop.setParameter('rsvp', 'TRUE');
  }
  if (e.recurrence) {
    vevent.addPropertyWithValue(
      'rrule',
      ICAL.Recur.fromData({
        freq: FREQ[e.recurrence.frequency],
        ...(e.recurrence.byDay ? { byday: [e.recurrence.byDay] } : {}),
      }),
    );
  }
  cal.addSubcomponent(vevent);
  return cal.toString();
}

/** The events in an iCalendar text, recurring ones expanded to their occurrences in [from, to). */
export function eventsInRange(ics: string, from: number, to: number): IcalEvent[] {
  const cal = new ICAL.Component(ICAL.parse(ics));
  const out: IcalEvent[] = [];
  for (const vevent of cal.getAllSubcomponents('vevent')) {
    const event = new ICAL.Event(vevent);
    if (event.isRecurrenceException()) continue;
    const attendees = vevent
      .getAllProperties('attendee')
      .map((p) => String(p.getFirstValue()).replace(/^mailto:/i, ''));
    const base = {
      uid: event.uid,
      title: event.summary ?? '',
      attendees,
      ...(event.location ? { location: event.location } : {}),
    };
    const length = event.endDate.toJSDate().getTime() - event.startDate.toJSDate().getTime();
    if (!event.isRecurring()) {
      const s = event.startDate.toJSDate().getTime();
      if (s < to && s + length > from)
        out.push({ ...base, start: new Date(s).toISOString(), end: new Date(s + length).toISOString() });
      continue;
    }
    const it = event.iterator();
    for (let n = 0, next = it.next(); next && n < 5000; n++, next = it.next()) {
      const s = next.toJSDate().getTime();
      if (s >= to) break;
      if (s + length > from)
        out.push({ ...base, start: new Date(s).toISOString(), end: new Date(s + length).toISOString() });
    }
  }
  return out.sort((a, b) => a.start.localeCompare(b.start));
}

/** Moves the (first) event of an iCalendar text, keeping its length; returns the new text. */
export function moveEvent(ics: string, start: string): string {
  const cal = new ICAL.Component(ICAL.parse(ics));
  const vevent = cal.getFirstSubcomponent('vevent');
  if (!vevent) throw new Error('no event in the calendar object');
  const event = new ICAL.Event(vevent);
  const length = event.endDate.toJSDate().getTime() - event.startDate.toJSDate().getTime();
  event.startDate = ICAL.Time.fromJSDate(new Date(start), true);
  event.endDate = ICAL.Time.fromJSDate(new Date(Date.parse(start) + length), true);
  const seq = Number(vevent.getFirstPropertyValue('sequence') ?? 0);
  vevent.updatePropertyWithValue('sequence', seq + 1);
  return cal.toString();
}
