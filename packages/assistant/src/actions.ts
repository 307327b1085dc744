/**
 * The actions plugins declare (the built-in plugins of issue #7 will implement them). Whether
 * a step needs approval comes from here and the user's rules, never from a model.
 */
export interface ActionSpec {
  name: string;
  description: string;
  /** Changes something outside Aura's own encrypted store (sends, books, deletes). */
  externalSideEffects: boolean;
  params: Record<string, 'string' | 'datetime' | 'number' | 'person' | 'people' | 'email'>;
}

export const ACTIONS: ActionSpec[] = [
  {
    name: 'calendar.find_free_time',
    description: 'find a free slot',
    externalSideEffects: false,
    params: { start: 'datetime', durationMinutes: 'number', attendees: 'people' },
  },
  {
    name: 'calendar.create_event',
    description: 'create a calendar event',
    externalSideEffects: true,
    params: {
      title: 'string',
      start: 'datetime',
      durationMinutes: 'number',
      attendees: 'people',
      attendeeEmails: 'people',
      location: 'string',
      recurrence: 'string',
    },
  },
  {
    name: 'calendar.list_events',
    description: 'list events in a range',
    externalSideEffects: false,
    params: { start: 'datetime', end: 'datetime' },
  },
  {
    name: 'calendar.find_event',
    description: 'find an existing event',
    externalSideEffects: false,
    params: { start: 'datetime', title: 'string' },
  },
  {
    name: 'calendar.update_event',
    description: 'move or change an event',
    externalSideEffects: true,
    params: { event: 'string', start: 'datetime' },
  },
  {
    name: 'calendar.delete_event',
    description: 'cancel an event',
    externalSideEffects: true,
    params: { event: 'string' },
  },
  {
    name: 'email.send',
    description: 'send an email',
    externalSideEffects: true,
    params: { to: 'people', subject: 'string', body: 'string' },
  },
  {
    name: 'email.send_invitation',
    description: 'email an invitation',
    externalSideEffects: true,
    params: { to: 'people', event: 'string' },
  },
  {
    name: 'email.search',
    description: 'search mail',
    externalSideEffects: false,
    params: { from: 'people', query: 'string', unseen: 'string' },
  },
  {
    name: 'email.read',
    description: 'read one message',
    externalSideEffects: false,
    params: { message: 'string' },
  },
  {
    name: 'reminders.create',
    description: 'set a reminder',
    externalSideEffects: false,
    params: { text: 'string', at: 'datetime' },
  },
  {
    name: 'lists.add_item',
    description: 'add to a list',
    externalSideEffects: false,
    params: { list: 'string', item: 'string' },
  },
  { name: 'lists.show', description: 'show a list', externalSideEffects: false, params: { list: 'string' } },
  { name: 'contacts.find', description: 'look someone up', externalSideEffects: false, params: { person: 'person' } },
];

export const actionByName = new Map(ACTIONS.map((a) => [a.name, a]));
