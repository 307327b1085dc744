import { CONTEXT_CONFIDENCE_FLOOR } from './learning.ts';

export interface Preferences {
  defaultMeetingMinutes: number;
  workingHours: { start: number; end: number };
  /** IANA zone the user lives in: times they say are read there. */
  timeZone?: string;
}

export interface PreferenceNote {
  id?: string;
  text: string;
  /** From the user's feedback (Personalisation.confidence); 0.5 when there is none. */
  confidence?: number;
}

export interface AppliedPreferences {
  preferences: Partial<Preferences>;
  /** Ids of the notes that set something (credited or blamed by feedback on the decision). */
  used: string[];
  /** Ids of notes left out because the user's feedback no longer supports them. */
  ignored: string[];
}

type Setting = keyof Preferences;

function parseNote(note: string): Partial<Preferences> {
  const prefs: Partial<Preferences> = {};
  const hours = note.match(/working hours?\s*(?:are|:)?\s*(\d{1,2})(?::00)?\s*(?:-|–|to)\s*(\d{1,2})(?::00)?/i);
  if (hours) {
    const start = Number(hours[1]);
    const end = Number(hours[2]);
    if (start >= 0 && end <= 24 && start < end) prefs.workingHours = { start, end };
  }
  const length = note.match(/meetings?\s+(?:are|last|of|should be)?\s*(\d{1,3})\s*(?:min|minutes)/i);
  if (length && Number(length[1]) > 0) prefs.defaultMeetingMinutes = Number(length[1]);
  const zone = note.match(/time\s*zone\s*(?:is|:)?\s*([A-Za-z_]+(?:\/[A-Za-z_+-]+)+|UTC)/i);
  if (zone?.[1]) {
    try {
      new Intl.DateTimeFormat('en', { timeZone: zone[1] });
      prefs.timeZone = zone[1];
    } catch {
      // not a time zone this runtime knows; ignored
    }
  }
  return prefs;
}

/**
 * Preferences the user wrote down as context notes (`aura context add "..." --type preference`),
 * read on the client after decryption: "working hours 8 to 16", "meetings are 45 minutes",
 * "time zone Europe/Berlin". For each setting the note with the highest confidence wins, the later
 * one on a tie; a note whose confidence fell below the floor is not applied.
 */
export function applyPreferenceNotes(notes: PreferenceNote[]): AppliedPreferences {
  const chosen = new Map<Setting, { value: unknown; id?: string; confidence: number }>();
  const ignored: string[] = [];
  for (const note of notes) {
    const confidence = note.confidence ?? 0.5;
    const parsed = parseNote(note.text);
    if (Object.keys(parsed).length === 0) continue;
    if (confidence < CONTEXT_CONFIDENCE_FLOOR) {
      if (note.id) ignored.push(note.id);
      continue;
    }
    for (const [key, value] of Object.entries(parsed) as [Setting, unknown][]) {
      const current = chosen.get(key);
      if (!current || confidence >= current.confidence)
        chosen.set(key, { value, confidence, ...(note.id ? { id: note.id } : {}) });
    }
  }
  const preferences: Record<string, unknown> = {};
  for (const [key, c] of chosen) preferences[key] = c.value;
  const used = [...new Set([...chosen.values()].flatMap((c) => (c.id ? [c.id] : [])))];
  return { preferences: preferences as Partial<Preferences>, used, ignored };
}

/** The preferences in plain notes, later notes winning. */
export function preferencesFromNotes(notes: string[]): Partial<Preferences> {
  return applyPreferenceNotes(notes.map((text) => ({ text }))).preferences;
}
