import { type CalendarEvent, LocalCalendar } from '@aura/assistant';
import type { Vault } from '@aura/client';
import { matching, newStart, refuseClash } from '../calendar-checks.ts';
import { CALENDAR_ACTIONS, SHIPPED_VERSION, specs } from '../catalog.ts';
import { dispatch } from '../dispatch.ts';
import { idFor } from '../ids.ts';
import { eventRef, people, text, time } from '../params.ts';
import { type ActionTable, type ExecutionContext, type IntegrationPlugin, PluginError } from '../types.ts';

/** The local calendar: events encrypted in the vault; free-time search; iCalendar export. */
export class CalendarPlugin implements IntegrationPlugin {
  readonly manifest = {
    name: 'calendar',
    version: SHIPPED_VERSION,
    description: 'your calendar, kept encrypted in your vault',
    actions: specs(...CALENDAR_ACTIONS),
  };
  readonly #calendar: LocalCalendar;

  constructor(vault: Vault) {
    this.#calendar = new LocalCalendar(vault);
  }

  async initialize() {}

  async validateCredentials() {
    return { ok: true, message: 'the local calendar needs no credentials' };
  }

  async #event(ref: unknown): Promise<CalendarEvent> {
    const id = eventRef(ref);
    const event = (await this.#calendar.all()).find((e) => e.id === id);
    if (!event) throw new PluginError('the event is not in your calendar (any more)', false);
    return event;
  }

  readonly #actions: ActionTable = {
    'calendar.find_free_time': async (params) => {
      const start = time(params.start, 'start');
      const minutes = Number(params.durationMinutes ?? 30);
      const end = start + minutes * 60_000;
      const clashes = await this.#calendar.eventsBetween(new Date(start).toISOString(), new Date(end).toISOString());
      if (clashes.length > 0)
        throw new PluginError(`that time is taken by "${clashes.map((c) => c.title).join('", "')}"`, false);
      return { free: true, start: new Date(start).toISOString(), end: new Date(end).toISOString() };
    },
    'calendar.create_event': async (params, context) => {
      const start = time(params.start, 'start');
      const minutes = Number(params.durationMinutes ?? 30);
      if (!(minutes > 0 && minutes <= 24 * 60)) throw new PluginError('the duration must be 1 minute to 1 day', false);
      const id = await idFor(context.idempotencyKey);
      const title = text(params.title, 'title');
      const end = start + minutes * 60_000;
      refuseClash(
        await this.#calendar.eventsBetween(new Date(start).toISOString(), new Date(end).toISOString()),
        { title, start, end },
        [id],
      );
      const event = await this.#calendar.create({
        id,
        title,
        start: new Date(start).toISOString(),
        end: new Date(end).toISOString(),
        attendees: people(params.attendees),
        ...(typeof params.location === 'string' ? { location: params.location } : {}),
        ...(params.recurrence ? { recurrence: params.recurrence as CalendarEvent['recurrence'] } : {}),
      } as Parameters<LocalCalendar['create']>[0]);
      return { id: event.id, title: event.title, start: event.start, end: event.end };
    },
    'calendar.list_events': async (params) => {
      const events = await this.#calendar.eventsBetween(
        new Date(time(params.start, 'start')).toISOString(),
        new Date(time(params.end, 'end')).toISOString(),
      );
      return {
        events: matching(events, params).map((e) => ({
          id: e.id,
          title: e.title,
          start: e.start,
          end: e.end,
          attendees: e.attendees,
        })),
      };
    },
    'calendar.find_event': async (params) => {
      const from = typeof params.start === 'string' ? Date.parse(params.start) : Date.now();
      const candidates = matching(
        await this.#calendar.eventsBetween(
          new Date(from).toISOString(),
          new Date(from + 90 * 86_400_000).toISOString(),
        ),
        params,
      );
      const first = candidates[0];
      if (!first) throw new PluginError('no matching event in your calendar', false);
      return { id: first.id, title: first.title, start: first.start, end: first.end };
    },
    'calendar.update_event': async (params, context) => {
      // The moved event is created (under the step's id) before the old one goes: a retry
      // after either half finds the move done, and the event is never lost in between.
      const movedId = await idFor(context.idempotencyKey);
      const already = (await this.#calendar.all()).find((e) => e.id === movedId);
      const event = already ?? (await this.#event(params.event));
      const oldId = eventRef(params.event);
      const start = already ? Date.parse(already.start) : newStart(params, Date.parse(event.start));
      const length = Date.parse(event.end) - Date.parse(event.start);
      if (!already)
        refuseClash(
          await this.#calendar.eventsBetween(new Date(start).toISOString(), new Date(start + length).toISOString()),
          { title: event.title, start, end: start + length },
          [event.id, oldId, movedId],
        );
      const moved = await this.#calendar.create({
        ...event,
        id: movedId,
        start: new Date(start).toISOString(),
        end: new Date(start + length).toISOString(),
      });
      if (oldId !== movedId) await this.#calendar.remove(String(oldId)).catch(() => {});
      return { id: moved.id, title: moved.title, start: moved.start, end: moved.end };
    },
    'calendar.delete_event': async (params) => {
      const event = await this.#event(params.event).catch(() => undefined);
      // Deleting what is already gone is done: a retried delete succeeds.
      if (event) await this.#calendar.remove(event.id);
      return { deleted: true };
    },
  };

  executeAction(action: string, params: Record<string, unknown>, context: ExecutionContext) {
    return dispatch(this.#actions, action, params, context, `the calendar cannot ${action}`);
  }

  get calendar() {
    return this.#calendar;
  }
}
