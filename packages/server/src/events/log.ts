import type { BusEvent, LoggedEvent, Notification } from '@aura/protocol';
import type pg from 'pg';
import { toBase64 } from '../base64.ts';

interface EventRow {
  id: string;
  seq: string;
  event_type: string;
  data: Notification;
  sealed: Buffer | null;
  created_at: Date;
}

export interface NewEvent {
  id: string;
  userId: string;
  type: string;
  notice: Notification;
  sealed?: Uint8Array | undefined;
}

const view = (r: EventRow): LoggedEvent => ({
  seq: Number(r.seq),
  id: r.id,
  type: r.event_type,
  at: r.created_at.toISOString(),
  notice: r.data,
  ...(r.sealed ? { sealed: toBase64(r.sealed) } : {}),
});

/** A bus event as the log entry it was published from (the user is the route, not the entry). */
export const loggedEvent = ({ userId: _, ...entry }: BusEvent): LoggedEvent => entry;

/** Appends to the user's event log; the entry's seq orders it among the user's others. */
export async function appendEvent(db: pg.Pool | pg.PoolClient, event: NewEvent): Promise<LoggedEvent> {
  const { rows } = await db.query<EventRow>(
    `INSERT INTO events (id, user_id, event_type, data, sealed) VALUES ($1, $2, $3, $4, $5)
     RETURNING id, seq, event_type, data, sealed, created_at`,
    [event.id, event.userId, event.type, JSON.stringify(event.notice), event.sealed ? Buffer.from(event.sealed) : null],
  );
  return view(rows[0] as EventRow);
}

/** The user's entries after `after`, oldest first. */
export async function eventsAfter(
  db: pg.Pool,
  userId: string,
  after: number,
  limit: number,
): Promise<{ events: LoggedEvent[]; latest: number }> {
  const [page, last] = await Promise.all([
    db.query<EventRow>(
      `SELECT id, seq, event_type, data, sealed, created_at FROM events
        WHERE user_id = $1 AND seq > $2 ORDER BY seq LIMIT $3`,
      [userId, after, limit],
    ),
    db.query<{ latest: string | null }>('SELECT max(seq) AS latest FROM events WHERE user_id = $1', [userId]),
  ]);
  return { events: page.rows.map(view), latest: Number(last.rows[0]?.latest ?? 0) };
}
