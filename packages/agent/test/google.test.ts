import assert from 'node:assert/strict';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import { after, before, describe, it } from 'node:test';
import { PluginError } from '../src/index.ts';
import { GoogleCalendarPlugin } from '../src/integrations/google.ts';

// No Google endpoint can be reached here: these tests run the plugin (googleapis' own client)
// against a local HTTP server that speaks the Calendar API v3 and OAuth token requests and
// responses for the calls the plugin makes.
interface Event {
  id: string;
  summary?: string;
  start: { dateTime: string };
  end: { dateTime: string };
  attendees?: { email: string }[];
}
const events = new Map<string, Event>();
const requests: string[] = [];
let access = 'expired-token';
let server: Server;
let root = '';

const body = async (req: IncomingMessage) => {
  let text = '';
  for await (const chunk of req) text += chunk;
  return text;
};

before(async () => {
  server = createServer(async (req, res) => {
    const url = new URL(req.url ?? '/', 'http://x');
    const send = (status: number, value: unknown) => {
      res.writeHead(status, { 'content-type': 'application/json' });
      res.end(JSON.stringify(value));
    };
    requests.push(`${req.method} ${url.pathname}`);
    if (url.pathname === '/token') {
      const form = new URLSearchParams(await body(req));
      if (form.get('grant_type') !== 'refresh_token' || form.get('refresh_token') !== 'refresh-1')
        return send(400, { error: 'invalid_grant', error_description: 'Token has been expired or revoked.' });
      access = `access-${requests.length}`;
      return send(200, { access_token: access, expires_in: 3600, token_type: 'Bearer' });
    }
    if (req.headers.authorization !== `Bearer ${access}`)
      return send(401, { error: { code: 401, message: 'Request had invalid authentication credentials.' } });
    const base = '/calendar/v3/calendars/primary';
    if (req.method === 'GET' && url.pathname === base) return send(200, { id: 'primary', summary: 'Alice' });
    if (req.method === 'POST' && url.pathname === '/calendar/v3/freeBusy') {
      const q = JSON.parse(await body(req));
      const busy = [...events.values()]
        .filter((e) => e.start.dateTime < q.timeMax && e.end.dateTime > q.timeMin)
        .map((e) => ({ start: e.start.dateTime, end: e.end.dateTime }));
      return send(200, { calendars: { primary: { busy } } });
    }
    if (url.pathname === `${base}/events`) {
      if (req.method === 'POST') {
        const e = JSON.parse(await body(req)) as Event;
        if (events.has(e.id))
          return send(409, { error: { code: 409, message: 'The requested identifier already exists.' } });
        events.set(e.id, e);
        return send(200, e);
      }
      const min = url.searchParams.get('timeMin') ?? '';
      const max = url.searchParams.get('timeMax') ?? '\uffff';
      const items = [...events.values()].filter((e) => e.start.dateTime < max && e.end.dateTime > min);
      return send(200, { items: items.sort((a, b) => a.start.dateTime.localeCompare(b.start.dateTime)) });
    }
    const id = decodeURIComponent(url.pathname.slice(`${base}/events/`.length));
    const event = events.get(id);
    if (!event) return send(404, { error: { code: 404, message: 'Not Found' } });
    if (req.method === 'GET') return send(200, event);
    if (req.method === 'PATCH') {
      Object.assign(event, JSON.parse(await body(req)));
      return send(200, event);
    }
    if (req.method === 'DELETE') {
      events.delete(id);
      res.writeHead(204).end();
      return;
    }
    send(405, { error: { code: 405, message: 'method' } });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  root = `http://127.0.0.1:${(server.address() as { port: number }).port}/`;
});
after(() => new Promise<void>((resolve) => server.close(() => resolve())));

const ctx = (key: string) => ({ taskId: 'g', stepId: key, idempotencyKey: `g/${key}` });
const credentials = {
  clientId: 'client',
  clientSecret: 'secret',
  accessToken: 'expired-token',
  refreshToken: 'refresh-1',
  expiryDate: 1,
};

describe('Google Calendar, against a local server speaking the Calendar API', () => {
  it('create_event (once, however often retried), find_free_time, update_event; the refreshed token is saved', async () => {
    const saved: Record<string, unknown>[] = [];
    const plugin = new GoogleCalendarPlugin();
    await plugin.initialize({ rootUrl: root, tokenUrl: `${root}token` }, credentials, {
      saveCredentials: async (c) => {
        saved.push(c);
      },
    });
    assert.deepEqual(await plugin.validateCredentials(), { ok: true, message: 'connected to Google Calendar "Alice"' });
    assert.ok(requests.includes('POST /token'), 'the expired access token was refreshed');
    assert.equal(saved.at(-1)?.accessToken, access, 'and the new one handed to the vault');
    const params = {
      title: 'Meeting with John',
      start: '2030-01-10T15:00:00.000Z',
      durationMinutes: 30,
      attendeeEmails: ['john@example.com'],
    };
    const a = (await plugin.executeAction('calendar.create_event', params, ctx('c'))) as { id: string };
    const b = (await plugin.executeAction('calendar.create_event', params, ctx('c'))) as { id: string };
    assert.equal(a.id, b.id);
    assert.equal(events.size, 1);
    assert.deepEqual(events.get(a.id)?.attendees, [{ email: 'john@example.com' }]);
    await assert.rejects(
      () =>
        plugin.executeAction(
          'calendar.find_free_time',
          { start: '2030-01-10T15:15:00.000Z', durationMinutes: 30 },
          ctx('f'),
        ),
      (e: unknown) => e instanceof PluginError && /taken/.test(e.message),
    );
    await plugin.executeAction('calendar.update_event', { event: a, start: '2030-01-11T09:00:00.000Z' }, ctx('u'));
    assert.deepEqual(events.get(a.id)?.start, { dateTime: '2030-01-11T09:00:00.000Z' });
    assert.deepEqual(events.get(a.id)?.end, { dateTime: '2030-01-11T09:30:00.000Z' });
    assert.deepEqual(
      await plugin.executeAction(
        'calendar.find_free_time',
        { start: '2030-01-10T15:15:00.000Z', durationMinutes: 30 },
        ctx('f2'),
      ),
      { free: true, start: '2030-01-10T15:15:00.000Z', end: '2030-01-10T15:45:00.000Z' },
    );
    await plugin.executeAction('calendar.delete_event', { event: a }, ctx('d'));
    await plugin.executeAction('calendar.delete_event', { event: a }, ctx('d'));
    assert.equal(events.size, 0);
  });

  it('an expired or revoked token is a message that says what to do', async () => {
    const plugin = new GoogleCalendarPlugin();
    access = 'expired-again';
    await plugin.initialize({ rootUrl: root, tokenUrl: `${root}token` }, { ...credentials, refreshToken: 'revoked' });
    const check = await plugin.validateCredentials();
    assert.equal(check.ok, false);
    assert.match(check.message, /no longer accepts the saved token.*aura plugins add google/);
  });
});
