import type { LoggedEvent } from '@aura/protocol';
import type pg from 'pg';
import { SeenIds } from '../events/bus.ts';
import { eventsAfter } from '../events/log.ts';
import type { Notifier } from './notifier.ts';

const PAGE = 500;

/**
 * A user's events for one connection: first those after `after` from the log, in order, then
 * each new one as it happens. Live events are heard from the start and held until the log is
 * read, so nothing falls between the two; an event both read and heard is sent once.
 */
export async function streamEvents(
  pool: pg.Pool,
  notifier: Notifier,
  userId: string,
  after: number,
  send: (event: LoggedEvent) => void,
): Promise<{ latest: number; stop: () => void }> {
  const seen = new SeenIds();
  let held: LoggedEvent[] | null = [];
  const forward = (event: LoggedEvent) => {
    if (seen.add(event.id)) send(event);
  };
  const stop = notifier.subscribe(userId, (event) => (held ? held.push(event) : forward(event)));
  try {
    let cursor = after;
    let latest = 0;
    for (;;) {
      const page = await eventsAfter(pool, userId, cursor, PAGE);
      latest = Math.max(latest, page.latest);
      for (const event of page.events) forward(event);
      cursor = page.events.at(-1)?.seq ?? cursor;
      if (page.events.length < PAGE) break;
    }
    const live = held;
    held = null;
    for (const event of live) forward(event);
    return { latest, stop };
  } catch (error) {
    stop();
    throw error;
  }
}
