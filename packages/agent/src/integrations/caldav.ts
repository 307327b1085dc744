import { createDAVClient, type DAVCalendar, type DAVCalendarObject } from 'tsdav';
import { matching, newStart, refuseClash } from '../plugins/calendar-checks.ts';
import { CALENDAR_ACTIONS, SHIPPED_VERSION, specs } from '../plugins/catalog.ts';
import { dispatch } from '../plugins/dispatch.ts';
import { idFor } from '../plugins/ids.ts';
import { eventRef, time } from '../plugins/params.ts';
import {
  type ActionTable,
  type CredentialCheck,
  type ExecutionContext,
  type IntegrationPlugin,
  PluginError,
} from '../plugins/types.ts';
import { eventsInRange, eventToIcs, moveEvent } from './ical.ts';

type Client = Awaited<ReturnType<typeof createDAVClient>>;

/** A failure of the CalDAV server in words a person can act on. */
export function davError(error: unknown, url: string): PluginError {
  const message = (error as Error)?.message ?? String(error);
  const cause = (error as { cause?: { code?: string } })?.cause?.code ?? '';
  if (/401|unauthori[sz]ed|invalid credentials/i.test(message))
    return new PluginError(`the CalDAV server at ${url} refused the username or password`, false);
  if (/ECONNREFUSED|ENOTFOUND|EHOSTUNREACH|ETIMEDOUT|fetch failed/i.test(`${message} ${cause}`))
    return new PluginError(`cannot reach the CalDAV server at ${url} (${cause || message})`, true);
  if (error instanceof PluginError) return error;
  return new PluginError(`the CalDAV server at ${url} answered: ${message}`, true);
}

/**
 * A CalDAV calendar (Nextcloud, Fastmail, iCloud, Radicale…) through tsdav: the same calendar
 * actions as the local calendar. Runs in the agent; the credentials come from the vault.
 */
export class CalDavPlugin implements IntegrationPlugin {
  readonly manifest = {
    name: 'caldav',
    version: SHIPPED_VERSION,
    description: 'a CalDAV calendar',
    actions: specs(...CALENDAR_ACTIONS),
  };
  #url = '';
  #calendarName: string | undefined;
  #credentials: { username: string; password: string } | undefined;
  #client: Client | undefined;
  #calendar: DAVCalendar | undefined;

  async initialize(config: Record<string, unknown>, credentials?: Record<string, unknown>) {
    if (typeof config.url !== 'string') throw new PluginError('caldav needs "url" in plugins.yaml', false);
    this.#url = config.url;
    this.#calendarName = typeof config.calendar === 'string' ? config.calendar : undefined;
    if (credentials && typeof credentials.username === 'string' && typeof credentials.password === 'string')
      this.#credentials = { username: credentials.username, password: credentials.password };
  }

  async #connect(): Promise<{ client: Client; calendar: DAVCalendar }> {
    if (this.#client && this.#calendar) return { client: this.#client, calendar: this.#calendar };
    if (!this.#credentials) throw new PluginError('caldav has no credentials: run "aura plugins add caldav"', false);
    try {
      const client = await createDAVClient({
        serverUrl: this.#url,
        credentials: this.#credentials,
        authMethod: 'Basic',
        defaultAccountType: 'caldav',
      });
      const calendars = (await client.fetchCalendars()).filter((c) => c.components?.includes('VEVENT') ?? true);
      const wanted = this.#calendarName;
      const calendar = wanted
        ? calendars.find(
            (c) => c.displayName === wanted || c.url === wanted || c.url.replace(/\/$/, '').endsWith(`/${wanted}`),
          )
        : calendars[0];
      if (!calendar)
        throw new PluginError(
          wanted
            ? `no calendar "${wanted}" on ${this.#url}; there are: ${calendars.map((c) => c.displayName).join(', ') || 'none'}`
            : `no calendar on ${this.#url}`,
          false,
        );
      this.#client = client;
      this.#calendar = calendar;
      return { client, calendar };
    } catch (error) {
      throw davError(error, this.#url);
    }
  }

  async validateCredentials(): Promise<CredentialCheck> {
    try {
      const { calendar } = await this.#connect();
      return { ok: true, message: `connected to ${this.#url}: calendar "${calendar.displayName ?? calendar.url}"` };
    } catch (error) {
      return { ok: false, message: (error as Error).message };
    }
  }

  async #objects(start: number, end: number): Promise<DAVCalendarObject[]> {
    const { client, calendar } = await this.#connect();
    try {
      return await client.fetchCalendarObjects({
        calendar,
        timeRange: { start: new Date(start).toISOString(), end: new Date(end).toISOString() },
      });
    } catch (error) {
      throw davError(error, this.#url);
    }
  }

  async events(start: number, end: number) {
    return (await this.#objects(start, end))
      .flatMap((o) => eventsInRange(String(o.data ?? ''), start, end).map((e) => ({ ...e, id: o.url, etag: o.etag })))
      .sort((a, b) => a.start.localeCompare(b.start));
  }

  async #byUrl(url: string): Promise<DAVCalendarObject | undefined> {
    const { client, calendar } = await this.#connect();
    try {
      const [object] = await client.fetchCalendarObjects({ calendar, objectUrls: [url] });
      return object?.data ? object : undefined;
    } catch {
      return undefined;
    }
  }

  readonly #actions: ActionTable = {
    'calendar.find_free_time': async (params) => {
      const start = time(params.start, 'start');
      const end = start + Number(params.durationMinutes ?? 30) * 60_000;
      const clashes = await this.events(start, end);
      if (clashes.length > 0)
        throw new PluginError(`that time is taken by "${clashes.map((c) => c.title).join('", "')}"`, false);
      return { free: true, start: new Date(start).toISOString(), end: new Date(end).toISOString() };
    },
    'calendar.list_events': async (params) => {
      const events = matching(await this.events(time(params.start, 'start'), time(params.end, 'end')), params);
      return { events: events.map(({ id, title, start, end, attendees }) => ({ id, title, start, end, attendees })) };
    },
    'calendar.create_event': async (params, context) => {
      const { client, calendar } = await this.#connect();
      const uid = await idFor(context.idempotencyKey);
      const url = `${calendar.url.replace(/\/?$/, '/')}${uid}.ics`;
      const start = time(params.start, 'start');
      const minutes = Number(params.durationMinutes ?? 30);
      const title = typeof params.title === 'string' && params.title ? params.title : 'Event';
      // Idempotent: a retried create finds the object the first attempt made.
      const existing = await this.#byUrl(url);
      if (!existing) {
        refuseClash(
          await this.events(start, start + minutes * 60_000),
          { title, start, end: start + minutes * 60_000 },
          [url],
        );
        const ics = eventToIcs({
          uid,
          title,
          start: new Date(start).toISOString(),
          end: new Date(start + minutes * 60_000).toISOString(),
          attendees: Array.isArray(params.attendeeEmails)
            ? (params.attendeeEmails as string[])
            : Array.isArray(params.attendees)
              ? (params.attendees as string[]).filter((a) => a.includes('@'))
              : [],
          ...(typeof params.location === 'string' ? { location: params.location } : {}),
          ...(params.recurrence ? { recurrence: params.recurrence as never } : {}),
        });
        try {
          const res = await client.createCalendarObject({ calendar, filename: `${uid}.ics`, iCalString: ics });
          if (!res.ok && res.status !== 412) throw new Error(`${res.status} ${res.statusText}`);
        } catch (error) {
          throw davError(error, this.#url);
        }
      }
      return {
        id: url,
        uid,
        title,
        start: new Date(start).toISOString(),
        end: new Date(start + minutes * 60_000).toISOString(),
      };
    },
    'calendar.find_event': async (params) => {
      const from = typeof params.start === 'string' ? Date.parse(params.start) : Date.now();
      const found = matching(await this.events(from, from + 90 * 86_400_000), params)[0];
      if (!found) throw new PluginError('no matching event in your calendar', false);
      return { id: found.id, title: found.title, start: found.start, end: found.end };
    },
    'calendar.update_event': async (params) => {
      const { client } = await this.#connect();
      const object = await this.#byUrl(String(eventRef(params.event) ?? ''));
      if (!object) throw new PluginError('the event is not in your calendar (any more)', false);
      const [current] = eventsInRange(String(object.data), 0, 8.64e15);
      const oldStart = current ? Date.parse(current.start) : Number.NaN;
      const length = current ? Date.parse(current.end) - oldStart : 30 * 60_000;
      const start = newStart(params, oldStart);
      // A retried move finds the event at its new time already: nothing clashes with itself.
      if (oldStart !== start)
        refuseClash(
          await this.events(start, start + length),
          { title: current?.title ?? 'the event', start, end: start + length },
          [object.url],
        );
      try {
        const res = await client.updateCalendarObject({
          calendarObject: {
            ...object,
            data: moveEvent(String(object.data), new Date(start).toISOString()),
          },
        });
        if (!res.ok) throw new Error(`${res.status} ${res.statusText}`);
      } catch (error) {
        throw davError(error, this.#url);
      }
      return { id: object.url, start: new Date(start).toISOString() };
    },
    'calendar.delete_event': async (params) => {
      const { client } = await this.#connect();
      const object = await this.#byUrl(String(eventRef(params.event) ?? ''));
      // Deleting what is already gone is done: a retried delete succeeds.
      if (object) {
        try {
          const res = await client.deleteCalendarObject({ calendarObject: object });
          if (!res.ok && res.status !== 404) throw new Error(`${res.status} ${res.statusText}`);
        } catch (error) {
          throw davError(error, this.#url);
        }
      }
      return { deleted: true };
    },
  };

  executeAction(action: string, params: Record<string, unknown>, context: ExecutionContext) {
    return dispatch(this.#actions, action, params, context, `caldav cannot ${action}`);
  }
}
