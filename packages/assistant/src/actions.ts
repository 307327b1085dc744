import * as z from 'zod';

/**
 * What running an action can change. Only `external` needs the user's approval: it changes
 * something outside Aura (sends, books, deletes). `internal` changes only Aura's own encrypted
 * store (a reminder, a list item); `none` only reads.
 */
export type SideEffect = 'none' | 'internal' | 'external';

/** A parameter's kind, as a planner (or a model asked to plan) sees it. */
export type ParamKind = 'string' | 'datetime' | 'number' | 'person' | 'people' | 'email';

/**
 * An action as plugins declare it in their manifest and planners use it. Whether a step needs
 * approval comes from here and the user's rules, never from a model.
 */
export interface ActionSpec {
  name: string;
  description: string;
  sideEffect: SideEffect;
  params: Record<string, ParamKind>;
  /** The parameters the action accepts: the plugin host checks them before the action runs. */
  input: z.ZodType<Record<string, unknown>>;
}

const isTime = (v: string) => !Number.isNaN(Date.parse(v));
// Plans leave a parameter out or null when the request did not say it; a plugin then uses its default.
const text = z.string().nullish();
const datetime = z.string().refine(isTime, 'is not a time');
const number = z.number().nullish();
const names = z.union([z.string(), z.array(z.string())]).nullish();
/** A step's output stands in for an event ("event": "s1" becomes what s1 found): its id, or the event. */
const event = z.union([z.string().min(1), z.looseObject({ id: z.unknown() })]);

/** What each kind accepts when a plugin declares only kinds (MCP tools, third-party plugins). */
const BY_KIND: Record<ParamKind, z.ZodType> = {
  // "string" has long stood for any value (a step's output passed on), so it promises nothing more.
  string: z.unknown(),
  datetime: datetime.nullish(),
  number,
  person: text,
  people: names,
  email: text,
};

/** An input schema from parameter kinds alone: each declared parameter of its kind, others passed through. */
export function inputOfKinds(params: Record<string, ParamKind>): z.ZodType<Record<string, unknown>> {
  return z.looseObject(Object.fromEntries(Object.entries(params).map(([k, kind]) => [k, BY_KIND[kind]])));
}

const action = (
  name: string,
  description: string,
  sideEffect: SideEffect,
  params: Record<string, ParamKind>,
  // Undeclared parameters pass through: a template plan may add a hint a plugin reads (attendees).
  shape: z.ZodRawShape | z.ZodType<Record<string, unknown>>,
): ActionSpec => ({
  name,
  description,
  sideEffect,
  params,
  input: shape instanceof z.ZodType ? shape : z.looseObject(shape),
});

export const ACTIONS: ActionSpec[] = [
  action(
    'calendar.find_free_time',
    'find a free slot',
    'none',
    { start: 'datetime', durationMinutes: 'number', attendees: 'people' },
    { start: datetime, durationMinutes: number, attendees: names },
  ),
  action(
    'calendar.create_event',
    'create a calendar event',
    'external',
    {
      title: 'string',
      start: 'datetime',
      durationMinutes: 'number',
      attendees: 'people',
      attendeeEmails: 'people',
      location: 'string',
      recurrence: 'string',
    },
    {
      title: text,
      start: datetime,
      durationMinutes: number,
      attendees: names,
      attendeeEmails: names,
      location: text,
      recurrence: z
        .object({ frequency: z.enum(['daily', 'weekly', 'monthly']), byDay: z.string().optional() })
        .nullish(),
    },
  ),
  action(
    'calendar.list_events',
    'list events in a range',
    'none',
    { start: 'datetime', end: 'datetime', title: 'string', attendees: 'people' },
    // Title and attendees narrow the list: "is my meeting with John on my calendar".
    { start: datetime, end: datetime, title: text, attendees: names },
  ),
  action(
    'calendar.find_event',
    'find an existing event',
    'none',
    { start: 'datetime', title: 'string' },
    { start: datetime.nullish(), title: text, attendees: names },
  ),
  action(
    'calendar.update_event',
    'move or change an event',
    'external',
    { event: 'string', start: 'datetime', shiftMinutes: 'number' },
    // A new start, or a shift from the old one ("push it back an hour"), not neither.
    z
      .looseObject({ event, start: datetime.nullish(), shiftMinutes: number })
      .refine((p) => typeof p.start === 'string' || typeof p.shiftMinutes === 'number', 'needs a start or a shift'),
  ),
  action('calendar.delete_event', 'cancel an event', 'external', { event: 'string' }, { event }),
  action(
    'email.send',
    'send an email',
    'external',
    { to: 'people', subject: 'string', body: 'string' },
    { to: names, subject: text, body: text },
  ),
  action(
    'email.send_invitation',
    'email an invitation',
    'external',
    { to: 'people', event: 'string' },
    // The event is what the step that created it returned.
    { to: names, event: z.looseObject({ start: z.string().nullish(), end: z.string().nullish() }).nullish() },
  ),
  action(
    'email.search',
    'search mail',
    'none',
    { from: 'people', query: 'string', unseen: 'string' },
    { from: names, query: text, unseen: z.union([z.boolean(), z.string()]).nullish() },
  ),
  action(
    'email.read',
    'read one message',
    'none',
    { message: 'string' },
    { message: z.union([z.string(), z.number()]) },
  ),
  action(
    'reminders.create',
    'set a reminder',
    'internal',
    { text: 'string', at: 'datetime' },
    // Without a time it is a to-do: kept, listed, never due.
    { text: z.string().min(1), at: datetime.nullish() },
  ),
  action('reminders.list', 'list reminders and to-dos', 'none', { done: 'string' }, { done: z.boolean().nullish() }),
  action(
    'lists.add_item',
    'add to a list',
    'internal',
    { list: 'string', item: 'string' },
    { list: text, item: z.string() },
  ),
  action(
    'lists.remove_item',
    'remove from a list',
    'internal',
    { list: 'string', item: 'string' },
    { list: text, item: z.string().min(1) },
  ),
  action('lists.show', 'show a list', 'none', { list: 'string' }, { list: text }),
  action('contacts.find', 'look someone up', 'none', { person: 'person' }, { person: z.string() }),
];

export const actionByName = new Map(ACTIONS.map((a) => [a.name, a]));
