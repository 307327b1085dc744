import type { Vault, VaultRecord } from '@aura/client';
import { actionByName } from '../actions.ts';
import { type CalendarEvent, LocalCalendar } from './local-calendar.ts';
import { type ExecutionContext, type IntegrationPlugin, PluginError } from './types.ts';

/** The actions every calendar plugin offers (local, CalDAV, Google). */
export const CALENDAR_ACTIONS = [
  'calendar.find_free_time',
  'calendar.create_event',
  'calendar.list_events',
  'calendar.find_event',
  'calendar.update_event',
  'calendar.delete_event',
];

export const specs = (...names: string[]) =>
  names.map((n) => {
    const spec = actionByName.get(n);
    if (!spec) throw new Error(`no action ${n}`);
    return spec;
  });

/** A stable record id from a step's idempotency key, so a retried create finds the first one. */
export async function idFor(key: string): Promise<string> {
  const digest = new Uint8Array(await crypto.subtle.digest('SHA-256', new TextEncoder().encode(`aura/plugin/${key}`)));
  const hex = [...digest.slice(0, 16)].map((b) => b.toString(16).padStart(2, '0')).join('');
  // Shaped as a version-4-like UUID (the vault's ids are UUIDs).
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-4${hex.slice(13, 16)}-8${hex.slice(17, 20)}-${hex.slice(20, 32)}`;
}

const text = (value: unknown, name: string): string => {
  if (typeof value !== 'string' || value.trim() === '') throw new PluginError(`${name} is missing`, false);
  return value;
};
/** A step parameter that must be a time: its epoch milliseconds, or a non-retryable error. */
export const time = (value: unknown, name: string): number => {
  const t = typeof value === 'string' ? Date.parse(value) : Number.NaN;
  if (Number.isNaN(t)) throw new PluginError(`${name} is not a time`, false);
  return t;
};
const people = (value: unknown): string[] =>
  Array.isArray(value) ? value.filter((v): v is string => typeof v === 'string') : [];

/** The local calendar: events encrypted in the vault; free-time search; iCalendar export. */
export class CalendarPlugin implements IntegrationPlugin {
  readonly name = 'calendar';
  readonly description = 'your calendar, kept encrypted in your vault';
  readonly #calendar: LocalCalendar;

  constructor(vault: Vault) {
    this.#calendar = new LocalCalendar(vault);
  }

  async initialize() {}

  getAvailableActions() {
    return specs(...CALENDAR_ACTIONS);
  }

  async validateCredentials() {
    return { ok: true, message: 'the local calendar needs no credentials' };
  }

  async #event(ref: unknown): Promise<CalendarEvent> {
    const id = typeof ref === 'object' && ref !== null ? (ref as { id?: unknown }).id : ref;
    const event = (await this.#calendar.all()).find((e) => e.id === id);
    if (!event) throw new PluginError('the event is not in your calendar (any more)', false);
    return event;
  }

  async executeAction(action: string, params: Record<string, unknown>, context: ExecutionContext) {
    switch (action) {
      case 'calendar.find_free_time': {
        const start = time(params.start, 'start');
        const minutes = Number(params.durationMinutes ?? 30);
        const end = start + minutes * 60_000;
        const clashes = await this.#calendar.eventsBetween(new Date(start).toISOString(), new Date(end).toISOString());
        if (clashes.length > 0)
          throw new PluginError(`that time is taken by "${clashes.map((c) => c.title).join('", "')}"`, false);
        return { free: true, start: new Date(start).toISOString(), end: new Date(end).toISOString() };
      }
      case 'calendar.create_event': {
        const start = time(params.start, 'start');
        const minutes = Number(params.durationMinutes ?? 30);
        if (!(minutes > 0 && minutes <= 24 * 60))
          throw new PluginError('the duration must be 1 minute to 1 day', false);
        const event = await this.#calendar.create({
          id: await idFor(context.idempotencyKey),
          title: text(params.title, 'title'),
          start: new Date(start).toISOString(),
          end: new Date(start + minutes * 60_000).toISOString(),
          attendees: people(params.attendees),
          ...(typeof params.location === 'string' ? { location: params.location } : {}),
          ...(params.recurrence ? { recurrence: params.recurrence as CalendarEvent['recurrence'] } : {}),
        } as Parameters<LocalCalendar['create']>[0]);
        return { id: event.id, title: event.title, start: event.start, end: event.end };
      }
      case 'calendar.list_events': {
        const events = await this.#calendar.eventsBetween(
          new Date(time(params.start, 'start')).toISOString(),
          new Date(time(params.end, 'end')).toISOString(),
        );
        return { events: events.map((e) => ({ id: e.id, title: e.title, start: e.start, end: e.end })) };
      }
      case 'calendar.find_event': {
        const title = typeof params.title === 'string' ? params.title.toLowerCase() : undefined;
        const attendees = people(params.attendees).map((a) => a.toLowerCase());
        const from = typeof params.start === 'string' ? Date.parse(params.start) : Date.now();
        const candidates = (
          await this.#calendar.eventsBetween(
            new Date(from - (typeof params.start === 'string' ? 0 : 0)).toISOString(),
            new Date(from + 90 * 86_400_000).toISOString(),
          )
        ).filter(
          (e) =>
            (!title || e.title.toLowerCase().includes(title)) &&
            attendees.every(
              (a) => e.attendees.some((x) => x.toLowerCase().includes(a)) || e.title.toLowerCase().includes(a),
            ),
        );
        const first = candidates[0];
        if (!first) throw new PluginError('no matching event in your calendar', false);
        return { id: first.id, title: first.title, start: first.start, end: first.end };
      }
      case 'calendar.update_event': {
        // The moved event is created (under the step's id) before the old one goes: a retry
        // after either half finds the move done, and the event is never lost in between.
        const movedId = await idFor(context.idempotencyKey);
        const already = (await this.#calendar.all()).find((e) => e.id === movedId);
        const event = already ?? (await this.#event(params.event));
        const start = time(params.start, 'start');
        const length = Date.parse(event.end) - Date.parse(event.start);
        const moved = await this.#calendar.create({
          ...event,
          id: movedId,
          start: new Date(start).toISOString(),
          end: new Date(start + length).toISOString(),
        });
        const oldId =
          typeof params.event === 'object' && params.event !== null
            ? (params.event as { id?: unknown }).id
            : params.event;
        if (oldId !== movedId) await this.#calendar.remove(String(oldId)).catch(() => {});
        return { id: moved.id, title: moved.title, start: moved.start, end: moved.end };
      }
      case 'calendar.delete_event': {
        const event = await this.#event(params.event).catch(() => undefined);
        // Deleting what is already gone is done: a retried delete succeeds.
        if (event) await this.#calendar.remove(event.id);
        return { deleted: true };
      }
    }
    throw new PluginError(`the calendar cannot ${action}`, false);
  }

  get calendar() {
    return this.#calendar;
  }
}

/** Reminders, encrypted in the vault; the agent tells you when one is due. */
export class RemindersPlugin implements IntegrationPlugin {
  readonly name = 'reminders';
  readonly description = 'reminders, kept encrypted in your vault';
  constructor(private readonly vault: Vault) {}
  async initialize() {}
  getAvailableActions() {
    return specs('reminders.create');
  }
  async validateCredentials() {
    return { ok: true, message: 'reminders need no credentials' };
  }
  async executeAction(action: string, params: Record<string, unknown>, context: ExecutionContext) {
    if (action !== 'reminders.create') throw new PluginError(`reminders cannot ${action}`, false);
    const at = new Date(time(params.at, 'at')).toISOString();
    const id = await idFor(context.idempotencyKey);
    const existing = await this.vault.get('contexts', id).catch(() => undefined);
    if (!existing)
      await this.vault.put(
        'contexts',
        { text: text(params.text, 'text'), type: 'reminder', fields: { at, done: false } },
        { id },
      );
    return { id, at };
  }

  /** Reminders due by `now` and not yet told; marked told. */
  async due(now = new Date()): Promise<{ id: string; text: string; at: string }[]> {
    const due: { id: string; text: string; at: string }[] = [];
    for (const r of await this.vault.list('contexts')) {
      const f = r.data.fields as { at?: string; done?: boolean } | undefined;
      if (r.data.type !== 'reminder' || !f?.at || f.done || Date.parse(f.at) > now.getTime()) continue;
      await this.vault.update('contexts', r, { ...r.data, fields: { ...f, done: true } });
      due.push({ id: r.id, text: r.data.text, at: f.at });
    }
    return due;
  }
}

/** Lists and notes, encrypted in the vault. */
export class ListsPlugin implements IntegrationPlugin {
  readonly name = 'lists';
  readonly description = 'lists and notes, kept encrypted in your vault';
  constructor(private readonly vault: Vault) {}
  async initialize() {}
  getAvailableActions() {
    return specs('lists.add_item', 'lists.show');
  }
  async validateCredentials() {
    return { ok: true, message: 'lists need no credentials' };
  }
  async #list(name: string): Promise<VaultRecord<'contexts'> | undefined> {
    return (await this.vault.list('contexts')).find(
      (r) => r.data.type === 'list' && r.data.text.toLowerCase() === name.toLowerCase(),
    );
  }
  async executeAction(action: string, params: Record<string, unknown>) {
    const name = text(params.list ?? 'shopping', 'list');
    const record = await this.#list(name);
    const items = ((record?.data.fields as { items?: string[] } | undefined)?.items ?? []).slice();
    if (action === 'lists.show') return { list: name, items };
    if (action !== 'lists.add_item') throw new PluginError(`lists cannot ${action}`, false);
    const item = text(params.item, 'item');
    // Adding what is there already changes nothing: a retried add does not duplicate.
    if (!items.some((i) => i.toLowerCase() === item.toLowerCase())) {
      items.push(item);
      if (record) await this.vault.update('contexts', record, { ...record.data, fields: { items } });
      else await this.vault.put('contexts', { text: name, type: 'list', fields: { items } });
    }
    return { list: name, items };
  }
}

/** The user's people (relationships), for "what's John's email". */
export class ContactsPlugin implements IntegrationPlugin {
  readonly name = 'contacts';
  readonly description = 'your people, from your vault';
  constructor(private readonly vault: Vault) {}
  async initialize() {}
  getAvailableActions() {
    return specs('contacts.find');
  }
  async validateCredentials() {
    return { ok: true, message: 'contacts need no credentials' };
  }
  async executeAction(action: string, params: Record<string, unknown>) {
    if (action !== 'contacts.find') throw new PluginError(`contacts cannot ${action}`, false);
    const person = await this.vault.get('relationships', text(params.person, 'person'));
    return { name: person.data.name, email: person.data.email ?? null, relationship: person.data.relationship ?? null };
  }
}
