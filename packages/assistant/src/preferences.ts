import type { Preferences } from './decide.ts';

/**
 * Preferences the user wrote down as context notes (`aura context add "..." --type preference`),
 * read on the client after decryption: "working hours 8 to 16", "meetings are 45 minutes",
 * "time zone Europe/Berlin". Later notes win.
 */
export function preferencesFromNotes(notes: string[]): Partial<Preferences> & { timeZone?: string } {
  const prefs: Partial<Preferences> & { timeZone?: string } = {};
  for (const note of notes) {
    const hours = note.match(/working hours?\s*(?:are|:)?\s*(\d{1,2})(?::00)?\s*(?:-|–|to)\s*(\d{1,2})(?::00)?/i);
    if (hours) {
      const start = Number(hours[1]);
      const end = Number(hours[2]);
      if (start >= 0 && end <= 24 && start < end) prefs.workingHours = { start, end };
    }
    const length = note.match(/meetings?\s+(?:are|last|of|should be)?\s*(\d{1,3})\s*(?:min|minutes)/i);
    if (length && Number(length[1]) > 0) prefs.defaultMeetingMinutes = Number(length[1]);
    const zone = note.match(/time\s*zone\s*(?:is|:)?\s*([A-Za-z_]+\/[A-Za-z_]+)/i);
    if (zone?.[1]) {
      try {
        new Intl.DateTimeFormat('en', { timeZone: zone[1] });
        prefs.timeZone = zone[1];
      } catch {
        // not a time zone this runtime knows; ignored
      }
    }
  }
  return prefs;
}
