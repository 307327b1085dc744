/**
 * Time zones without a library: Intl knows every zone's rules; these turn an instant into the
 * wall clock of a zone and back (the runtime's own zone when none is set).
 */
// A formatter costs far more to make than to use: one per zone, made once.
const formats = new Map<string, Intl.DateTimeFormat>();
function zoneFormat(timeZone: string): Intl.DateTimeFormat {
  let format = formats.get(timeZone);
  if (!format) {
    format = new Intl.DateTimeFormat('en-US', {
      timeZone,
      hourCycle: 'h23',
      year: 'numeric',
      month: 'numeric',
      day: 'numeric',
      hour: 'numeric',
      minute: 'numeric',
      second: 'numeric',
    });
    formats.set(timeZone, format);
  }
  return format;
}

/**
 * chrono reads times in the zone whose offset from UTC (in minutes) is given; the user's time
 * zone preference decides it, so "3pm" is 3pm where the user lives, not where the agent runs.
 */
export function zoneOffsetMinutes(timeZone: string, at: Date): number {
  const parts = zoneFormat(timeZone).formatToParts(at);
  const get = (type: string) => Number(parts.find((p) => p.type === type)?.value);
  const asUtc = Date.UTC(get('year'), get('month') - 1, get('day'), get('hour'), get('minute'), get('second'));
  return Math.round((asUtc - Math.floor(at.getTime() / 1000) * 1000) / 60_000);
}

export interface WallClock {
  year: number;
  /** 1–12. */
  month: number;
  day: number;
  hour: number;
  minute: number;
}

/** The wall clock of an instant in a zone, and the zone's offset then (minutes east of UTC). */
export function wallClock(iso: string | Date, timeZone?: string): WallClock & { offset: number } {
  const at = new Date(iso);
  const offset = timeZone ? zoneOffsetMinutes(timeZone, at) : -at.getTimezoneOffset();
  const shifted = new Date(at.getTime() + offset * 60_000);
  return {
    year: shifted.getUTCFullYear(),
    month: shifted.getUTCMonth() + 1,
    day: shifted.getUTCDate(),
    hour: shifted.getUTCHours(),
    minute: shifted.getUTCMinutes(),
    offset,
  };
}

/** The instant a wall-clock time names in a zone (twice round, for a time near a change of offset). */
export function atWallClock(p: WallClock, timeZone?: string): Date {
  if (!timeZone) return new Date(p.year, p.month - 1, p.day, p.hour, p.minute);
  const wall = Date.UTC(p.year, p.month - 1, p.day, p.hour, p.minute);
  const first = zoneOffsetMinutes(timeZone, new Date(wall));
  const at = wall - first * 60_000;
  return new Date(wall - zoneOffsetMinutes(timeZone, new Date(at)) * 60_000);
}
