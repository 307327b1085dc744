import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { RADICALE, type Radicale, skipUnless, startRadicale } from '@aura/testing';
import { PluginError } from '../src/index.ts';
import { CalDavPlugin } from '../src/integrations/caldav.ts';

// The CalDAV plugin against a real Radicale (Debian's package), started on a free port.
let radicale: Radicale;
let plugin: CalDavPlugin;
const ctx = (key: string) => ({ taskId: 't', stepId: key, idempotencyKey: `t/${key}` });
const day = (d: number, h: number) => new Date(Date.UTC(2030, 0, d, h)).toISOString();

const skip = skipUnless(RADICALE);
before(async () => {
  if (skip) return;
  radicale = await startRadicale();
  plugin = new CalDavPlugin();
  await plugin.initialize(
    { url: radicale.url, calendar: 'Work' },
    { username: radicale.username, password: radicale.password },
  );
});
after(() => radicale?.stop());

const stored = () => readdirSync(radicale.calendarDir).filter((f) => f.endsWith('.ics'));

describe('CalDAV (Radicale)', { skip }, () => {
  it('checks its credentials, and says plainly when they are wrong or the server is down', async () => {
    assert.deepEqual(await plugin.validateCredentials(), {
      ok: true,
      message: `connected to ${radicale.url}: calendar "Work"`,
    });
    const wrong = new CalDavPlugin();
    await wrong.initialize({ url: radicale.url }, { username: radicale.username, password: 'wrong' });
    const bad = await wrong.validateCredentials();
    assert.equal(bad.ok, false);
    assert.match(bad.message, /refused the username or password/);
    const down = new CalDavPlugin();
    await down.initialize({ url: 'http://127.0.0.1:9/' }, { username: 'a', password: 'b' });
    assert.match((await down.validateCredentials()).message, /cannot reach the CalDAV server/);
  });

  it('creates an event with attendees, once, however often the step is retried', async () => {
    const params = {
      title: 'Meeting with John Appleseed',
      start: day(10, 15),
      durationMinutes: 45,
      attendeeEmails: ['john@example.com'],
    };
    const first = (await plugin.executeAction('calendar.create_event', params, ctx('create'))) as { id: string };
    const again = (await plugin.executeAction('calendar.create_event', params, ctx('create'))) as { id: string };
    assert.equal(again.id, first.id);
    assert.equal(stored().length, 1, 'one object in Radicale');
    const ics = readFileSync(join(radicale.calendarDir, stored()[0] as string), 'utf8');
    assert.match(ics, /SUMMARY:Meeting with John Appleseed/);
    assert.match(ics, /ATTENDEE[^:]*:mailto:john@example.com/);
    const listed = (await plugin.executeAction(
      'calendar.list_events',
      { start: day(10, 0), end: day(11, 0) },
      ctx('l'),
    )) as {
      events: { title: string; start: string; end: string; attendees: string[] }[];
    };
    assert.deepEqual(
      listed.events.map((e) => [e.title, e.start, e.end, e.attendees]),
      [
        [
          'Meeting with John Appleseed',
          day(10, 15),
          new Date(Date.UTC(2030, 0, 10, 15, 45)).toISOString(),
          ['john@example.com'],
        ],
      ],
    );
  });

  it('free-time search sees the event; recurring events are expanded; update and delete', async () => {
    await assert.rejects(
      () => plugin.executeAction('calendar.find_free_time', { start: day(10, 15), durationMinutes: 30 }, ctx('f1')),
      (e: unknown) =>
        e instanceof PluginError && /taken by "Meeting with John Appleseed"/.test(e.message) && !e.retryable,
    );
    assert.deepEqual(
      await plugin.executeAction('calendar.find_free_time', { start: day(10, 17), durationMinutes: 30 }, ctx('f2')),
      { free: true, start: day(10, 17), end: new Date(Date.UTC(2030, 0, 10, 17, 30)).toISOString() },
    );
    await plugin.executeAction(
      'calendar.create_event',
      { title: 'Standup', start: day(7, 9), durationMinutes: 15, recurrence: { frequency: 'weekly', byDay: 'MO' } },
      ctx('standup'),
    );
    const mondays = (await plugin.executeAction(
      'calendar.list_events',
      { start: day(7, 0), end: day(29, 0) },
      ctx('l2'),
    )) as {
      events: { title: string; start: string }[];
    };
    assert.deepEqual(
      mondays.events.filter((e) => e.title === 'Standup').map((e) => e.start),
      [day(7, 9), day(14, 9), day(21, 9), day(28, 9)],
    );
    const found = (await plugin.executeAction(
      'calendar.find_event',
      { start: day(10, 0), title: 'meeting' },
      ctx('fe'),
    )) as {
      id: string;
    };
    await plugin.executeAction('calendar.update_event', { event: found, start: day(11, 10) }, ctx('move'));
    const moved = (await plugin.executeAction(
      'calendar.list_events',
      { start: day(11, 0), end: day(12, 0) },
      ctx('l3'),
    )) as {
      events: { title: string; start: string; end: string }[];
    };
    assert.deepEqual(
      moved.events.map((e) => [e.title, e.start, e.end]),
      [['Meeting with John Appleseed', day(11, 10), new Date(Date.UTC(2030, 0, 11, 10, 45)).toISOString()]],
    );
    await plugin.executeAction('calendar.delete_event', { event: found }, ctx('del'));
    await plugin.executeAction('calendar.delete_event', { event: found }, ctx('del'));
    assert.equal(stored().length, 1, 'only the standup is left');
  });
});
