import { useState } from 'preact/hooks';
import { keys } from '../keys.ts';
import { useEvents } from '../live.ts';
import { ErrorBox, useLoad } from '../ui/common.tsx';

/** Monday 00:00 local time of the week holding `date`. */
function weekStart(date: Date): Date {
  const d = new Date(date.getFullYear(), date.getMonth(), date.getDate());
  d.setDate(d.getDate() - ((d.getDay() + 6) % 7));
  return d;
}

/** The local calendar (events in the vault), a week at a time. */
export function Calendar() {
  const [start, setStart] = useState(() => weekStart(new Date()));
  const week = useLoad(start.toISOString(), (iso) => keys.week(iso));
  useEvents((e) => {
    if (e.notice.type === 'task' && (e.notice.event === 'step_succeeded' || e.notice.event === 'completed'))
      week.reload();
  });
  const days = Array.from(
    { length: 7 },
    (_, i) => new Date(start.getFullYear(), start.getMonth(), start.getDate() + i),
  );
  const shift = (weeks: number) =>
    setStart(new Date(start.getFullYear(), start.getMonth(), start.getDate() + 7 * weeks));
  const sameDay = (iso: string, day: Date) => {
    const d = new Date(iso);
    return d.getFullYear() === day.getFullYear() && d.getMonth() === day.getMonth() && d.getDate() === day.getDate();
  };
  const time = (iso: string) => new Date(iso).toLocaleTimeString(undefined, { hour: '2-digit', minute: '2-digit' });

  return (
    <section class="card" aria-labelledby="cal-h">
      <div class="row">
        <h2 id="cal-h">Week of {start.toLocaleDateString(undefined, { dateStyle: 'long' })}</h2>
        <div class="actions">
          <button type="button" class="secondary" onClick={() => shift(-1)}>
            Previous week
          </button>
          <button type="button" class="secondary" onClick={() => setStart(weekStart(new Date()))}>
            This week
          </button>
          <button type="button" class="secondary" onClick={() => shift(1)}>
            Next week
          </button>
        </div>
      </div>
      <ErrorBox error={week.error} />
      <div class="week" data-testid="week">
        {days.map((day) => (
          <div class="day">
            <h3>{day.toLocaleDateString(undefined, { weekday: 'short', day: 'numeric', month: 'short' })}</h3>
            <ul>
              {(week.value ?? [])
                .filter((e) => sameDay(e.start, day))
                .sort((a, b) => a.start.localeCompare(b.start))
                .map((e) => (
                  <li class="event" data-testid="event">
                    <time dateTime={e.start}>
                      {time(e.start)}–{time(e.end)}
                    </time>
                    <div>{e.title}</div>
                    {e.attendees.length > 0 && <div class="why">with {e.attendees.join(', ')}</div>}
                  </li>
                ))}
            </ul>
          </div>
        ))}
      </div>
    </section>
  );
}
