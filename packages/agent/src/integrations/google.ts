import { auth, calendar_v3 } from '@googleapis/calendar';
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

interface GoogleCredentials {
  clientId: string;
  clientSecret: string;
  accessToken?: string;
  refreshToken: string;
  expiryDate?: number;
}

/** A Google API failure in words a person can act on. */
export function googleError(error: unknown): PluginError {
  const e = error as { code?: number | string; status?: number; message?: string; response?: { status?: number } };
  const status = Number(e?.response?.status ?? e?.status ?? e?.code);
  const message = e?.message ?? String(error);
  if (/invalid_grant/i.test(message))
    return new PluginError(
      'Google no longer accepts the saved token (expired or revoked): run "aura plugins add google" again',
      false,
    );
  if (status === 401 || status === 403)
    return new PluginError(`Google refused the request (${status}): ${message}`, false);
  if (status === 404) return new PluginError('Google has no such calendar or event', false);
  if (/ECONNREFUSED|ENOTFOUND|ETIMEDOUT|fetch failed/i.test(message))
    return new PluginError(`cannot reach Google (${message})`, true);
  if (error instanceof PluginError) return error;
  return new PluginError(`Google answered: ${message}`, status >= 500 || Number.isNaN(status));
}

/** Google Calendar event ids: 5–1024 characters of base32hex (a–v, 0–9). */
async function eventIdFor(key: string): Promise<string> {
  const hex = (await idFor(key)).replace(/-/g, '');
  return BigInt(`0x${hex}`).toString(32);
}

/**
 * The spec's GoogleCalendarPlugin (`create_event`, `find_free_time`, `update_event`, and the
 * rest of the calendar actions) on the Calendar API v3. OAuth tokens live encrypted in the vault;
 * a refreshed token is saved back there by the agent.
 */
export class GoogleCalendarPlugin implements IntegrationPlugin {
  readonly manifest = {
    name: 'google',
    version: SHIPPED_VERSION,
    description: 'Google Calendar',
    actions: specs(...CALENDAR_ACTIONS),
  };
  #calendar!: calendar_v3.Calendar;
  #calendarId = 'primary';
  #hasToken = false;

  async initialize(
    config: Record<string, unknown>,
    credentials?: Record<string, unknown>,
    services?: { saveCredentials(credentials: Record<string, unknown>): Promise<void> },
  ) {
    const c = (credentials ?? {}) as Partial<GoogleCredentials>;
    this.#calendarId = typeof config.calendarId === 'string' ? config.calendarId : 'primary';
    const oauth = new auth.OAuth2({
      ...(c.clientId ? { clientId: c.clientId } : {}),
      ...(c.clientSecret ? { clientSecret: c.clientSecret } : {}),
      ...(typeof config.tokenUrl === 'string' ? { endpoints: { oauth2TokenUrl: config.tokenUrl } } : {}),
    });
    if (c.refreshToken) {
      this.#hasToken = true;
      oauth.setCredentials({
        refresh_token: c.refreshToken,
        ...(c.accessToken ? { access_token: c.accessToken } : {}),
        ...(c.expiryDate ? { expiry_date: c.expiryDate } : {}),
      });
    }
    // A refreshed access token goes back into the vault (encrypted), not to disk in the clear.
    oauth.on('tokens', (tokens) => {
      void services?.saveCredentials({
        ...c,
        ...(tokens.access_token ? { accessToken: tokens.access_token } : {}),
        ...(tokens.refresh_token ? { refreshToken: tokens.refresh_token } : {}),
        ...(tokens.expiry_date ? { expiryDate: tokens.expiry_date } : {}),
      });
    });
    this.#calendar = new calendar_v3.Calendar({
      auth: oauth,
      ...(typeof config.rootUrl === 'string' ? { rootUrl: config.rootUrl } : {}),
      retry: false,
    } as calendar_v3.Options);
  }

  async validateCredentials(): Promise<CredentialCheck> {
    if (!this.#hasToken) return { ok: false, message: 'google has no token: run "aura plugins add google"' };
    try {
      const cal = await this.#calendar.calendars.get({ calendarId: this.#calendarId });
      return { ok: true, message: `connected to Google Calendar "${cal.data.summary ?? this.#calendarId}"` };
    } catch (error) {
      return { ok: false, message: googleError(error).message };
    }
  }

  async #events(start: number, end: number) {
    const res = await this.#calendar.events.list({
      calendarId: this.#calendarId,
      timeMin: new Date(start).toISOString(),
      timeMax: new Date(end).toISOString(),
      singleEvents: true,
      orderBy: 'startTime',
    });
    return (res.data.items ?? []).map((e) => ({
      id: e.id ?? '',
      title: e.summary ?? '',
      start: e.start?.dateTime ?? e.start?.date ?? '',
      end: e.end?.dateTime ?? e.end?.date ?? '',
      attendees: (e.attendees ?? []).map((a) => a.email ?? ''),
    }));
  }

  readonly #actions: ActionTable = {
    'calendar.find_free_time': async (params) => {
      const start = time(params.start, 'start');
      const end = start + Number(params.durationMinutes ?? 30) * 60_000;
      const res = await this.#calendar.freebusy.query({
        requestBody: {
          timeMin: new Date(start).toISOString(),
          timeMax: new Date(end).toISOString(),
          items: [{ id: this.#calendarId }],
        },
      });
      const busy = res.data.calendars?.[this.#calendarId]?.busy ?? [];
      if (busy.length > 0) throw new PluginError('that time is taken in your Google Calendar', false);
      return { free: true, start: new Date(start).toISOString(), end: new Date(end).toISOString() };
    },
    'calendar.list_events': async (params) => ({
      events: matching(await this.#events(time(params.start, 'start'), time(params.end, 'end')), params),
    }),
    'calendar.create_event': async (params, context) => {
      const id = await eventIdFor(context.idempotencyKey);
      const start = time(params.start, 'start');
      const end = start + Number(params.durationMinutes ?? 30) * 60_000;
      const attendees = (Array.isArray(params.attendeeEmails) ? (params.attendeeEmails as string[]) : []).map(
        (email) => ({ email }),
      );
      const title = typeof params.title === 'string' ? params.title : 'Event';
      refuseClash(await this.#events(start, end), { title, start, end }, [id]);
      try {
        const res = await this.#calendar.events.insert({
          calendarId: this.#calendarId,
          sendUpdates: attendees.length ? 'all' : 'none',
          requestBody: {
            id,
            summary: typeof params.title === 'string' ? params.title : 'Event',
            start: { dateTime: new Date(start).toISOString() },
            end: { dateTime: new Date(end).toISOString() },
            ...(attendees.length ? { attendees } : {}),
            ...(typeof params.location === 'string' ? { location: params.location } : {}),
          },
        });
        return {
          id: res.data.id,
          title: res.data.summary,
          start: res.data.start?.dateTime,
          end: res.data.end?.dateTime,
        };
      } catch (error) {
        // 409: an earlier attempt created it (the id is the step's): fetch it, do not duplicate.
        if ((error as { code?: number }).code !== 409 && (error as { status?: number }).status !== 409) throw error;
        const res = await this.#calendar.events.get({ calendarId: this.#calendarId, eventId: id });
        return {
          id: res.data.id,
          title: res.data.summary,
          start: res.data.start?.dateTime,
          end: res.data.end?.dateTime,
        };
      }
    },
    'calendar.find_event': async (params) => {
      const from = typeof params.start === 'string' ? Date.parse(params.start) : Date.now();
      const found = matching(await this.#events(from, from + 90 * 86_400_000), params)[0];
      if (!found) throw new PluginError('no matching event in your Google Calendar', false);
      return found;
    },
    'calendar.update_event': async (params) => {
      const eventId = String(eventRef(params.event) ?? '');
      const current = await this.#calendar.events.get({ calendarId: this.#calendarId, eventId });
      const oldStart = Date.parse(current.data.start?.dateTime ?? '');
      const length = Date.parse(current.data.end?.dateTime ?? '') - oldStart || 30 * 60_000;
      const start = newStart(params, oldStart);
      if (start !== oldStart)
        refuseClash(
          await this.#events(start, start + length),
          { title: current.data.summary ?? 'the event', start, end: start + length },
          [eventId],
        );
      const res = await this.#calendar.events.patch({
        calendarId: this.#calendarId,
        eventId,
        requestBody: {
          start: { dateTime: new Date(start).toISOString() },
          end: { dateTime: new Date(start + length).toISOString() },
        },
      });
      return { id: res.data.id, start: res.data.start?.dateTime, end: res.data.end?.dateTime };
    },
    'calendar.delete_event': async (params) => {
      try {
        await this.#calendar.events.delete({
          calendarId: this.#calendarId,
          eventId: String(eventRef(params.event) ?? ''),
        });
      } catch (error) {
        const status = (error as { code?: number }).code;
        if (status !== 404 && status !== 410) throw error;
      }
      return { deleted: true };
    },
  };

  async executeAction(action: string, params: Record<string, unknown>, context: ExecutionContext) {
    try {
      return await dispatch(this.#actions, action, params, context, `google cannot ${action}`);
    } catch (error) {
      throw googleError(error);
    }
  }
}
