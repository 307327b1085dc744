import { wallClock } from '../zone.ts';

/** Wall-clock hour and minute of an instant in the user's zone (the runtime's when none is set). */
export function local(iso: string | Date, timeZone?: string) {
  const { hour, minute, offset } = wallClock(iso, timeZone);
  return { hour, minute, offset };
}

/** "15:00", in the user's zone. */
export const clock = (iso: string, timeZone?: string) => {
  const { hour, minute } = local(iso, timeZone);
  return `${hour}:${String(minute).padStart(2, '0')}`;
};

/** The whole day (in the user's zone) around an instant. */
export function dayRange(iso: string | undefined, now: Date, timeZone?: string): { start: string; end: string } {
  const at = iso ? new Date(iso) : now;
  const { hour, minute, offset } = local(at, timeZone);
  const start = new Date(
    at.getTime() - ((hour * 60 + minute) * 60 + at.getUTCSeconds()) * 1000 - at.getUTCMilliseconds(),
  );
  const end = new Date(start.getTime() + 24 * 3_600_000);
  // Across a daylight-saving change the day is 23 or 25 hours long.
  const drift = local(end, timeZone).offset - offset;
  return { start: start.toISOString(), end: new Date(end.getTime() - drift * 60_000).toISOString() };
}
