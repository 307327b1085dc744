import type { Slots } from '../slots.ts';
import { type Planner, question, steps } from './plan.ts';

/** What to be reminded of: the words after "remind me to", without the time. */
export function reminderText(text: string, slots: Slots): string {
  const about = text.match(/\b(?:remind me|reminder|forget)\s+(?:to|about|that|of)?\s*(.+)$/i)?.[1] ?? '';
  const cleaned = (slots.when ? about.replace(slots.when.text, ' ') : about)
    .replace(/\s+/g, ' ')
    .replace(/[\s,.!?]+$/, '')
    .trim();
  return cleaned || slots.title || 'Reminder';
}

/** "remind me to call mom at 5" (which HWU64 files under calendar_set). */
export const remind: Planner = ({ text, slots }) =>
  slots.when
    ? steps({
        id: 's1',
        action: 'reminders.create',
        params: { text: reminderText(text, slots), at: slots.when.start },
        dependsOn: [],
        why: `remind you ${slots.when.text}`,
      })
    : question('When should I remind you?');

/** "wake me up at 6". */
export const setAlarm: Planner = ({ slots }) =>
  slots.when
    ? steps({
        id: 's1',
        action: 'reminders.create',
        params: { text: 'Alarm', at: slots.when.start },
        dependsOn: [],
        why: `remind you ${slots.when.text}`,
      })
    : question('When should I remind you?');
