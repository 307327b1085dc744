import assert from 'node:assert/strict';
import { it } from 'node:test';
import fc from 'fast-check';
import { type CalendarEvent, occurrences } from '../src/index.ts';

const DAY = 86_400_000;
const event = (start: number, minutes: number, recurrence?: CalendarEvent['recurrence']): CalendarEvent => ({
  id: 'e',
  title: 'T',
  start: new Date(start).toISOString(),
  end: new Date(start + minutes * 60_000).toISOString(),
  attendees: [],
  ...(recurrence ? { recurrence } : {}),
});

it('property: occurrences overlap the range, keep their length, and repeat on the rule', () => {
  const base = Date.UTC(2026, 0, 1);
  fc.assert(
    fc.property(
      fc.integer({ min: 0, max: 400 * DAY }),
      fc.integer({ min: 1, max: 600 }),
      fc.constantFrom<CalendarEvent['recurrence'] | undefined>(
        undefined,
        { frequency: 'daily' },
        { frequency: 'weekly' },
        { frequency: 'weekly', byDay: 'WE' },
        { frequency: 'monthly' },
      ),
      fc.integer({ min: 0, max: 500 * DAY }),
      fc.integer({ min: 1, max: 60 * DAY }),
      (offset, minutes, rule, from, span) => {
        const e = event(base + offset, minutes, rule);
        const lo = base + from;
        const hi = lo + span;
        const got = occurrences(e, lo, hi);
        for (const o of got) {
          assert.ok(Date.parse(o.start) < hi && Date.parse(o.end) > lo);
          assert.equal(Date.parse(o.end) - Date.parse(o.start), minutes * 60_000);
          assert.ok(Date.parse(o.start) >= Date.parse(e.start) - 7 * DAY);
          if (rule?.byDay === 'WE') assert.equal(new Date(o.start).getUTCDay(), 3);
        }
        const gaps = got.slice(1).map((o, i) => Date.parse(o.start) - Date.parse(got[i]?.start ?? ''));
        if (rule?.frequency === 'daily') assert.ok(gaps.every((g) => g === DAY));
        if (rule?.frequency === 'weekly') assert.ok(gaps.every((g) => g === 7 * DAY));
        if (!rule) assert.ok(got.length <= 1);
        // A daily event is found in every range of at least a day that starts after it.
        if (rule?.frequency === 'daily' && span >= DAY && lo >= Date.parse(e.start)) assert.ok(got.length >= 1);
      },
    ),
  );
});
