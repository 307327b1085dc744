import { type ActionSpec, actionByName } from '@aura/assistant';

/** The version of the plugins Aura ships: they move with the agent. */
export const SHIPPED_VERSION = '0.1.0';

/** The actions every calendar plugin offers (local, CalDAV, Google). */
export const CALENDAR_ACTIONS = [
  'calendar.find_free_time',
  'calendar.create_event',
  'calendar.list_events',
  'calendar.find_event',
  'calendar.update_event',
  'calendar.delete_event',
];

/** Catalogue actions by name, for a manifest. */
export const specs = (...names: string[]): ActionSpec[] =>
  names.map((n) => {
    const spec = actionByName.get(n);
    if (!spec) throw new Error(`no action ${n}`);
    return spec;
  });
