import type { Slots } from '../slots.ts';
import { atWallClock, wallClock } from '../zone.ts';
import { clock } from './clock.ts';
import { type Planner, question, steps } from './plan.ts';

const LEAD =
  /^.*?\b(?:remind(?:ed|er|ing)?(?:\s+me)?|don'?t (?:let me )?forget|(?:add|put)\b.*?\bto(?:\s+my|\s+the)?\s+to-?do(?:\s+list)?|to-?do(?:\s+list)?)\s*(?::|,)?\s*(?:to|about|that|of|for)?\s*/i;

/** What to be reminded of: the words after "remind me to", without the time. */
export function reminderText(text: string, slots: Slots): string {
  let about = text;
  // "add call mom to my to-do list": the item is what is added.
  const added = text.match(/\b(?:add|put)\s+(.+?)\s+(?:to|on)\s+(?:my|the)\s+to[- ]?do(?:\s+list)?\b/i);
  if (added?.[1]) about = added[1];
  else if (LEAD.test(text)) about = text.replace(LEAD, '');
  for (const t of [slots.when?.text, slots.from?.text]) if (t) about = about.replace(t, ' ');
  // "every monday": when it repeats is not what it is about (after the time is taken out).
  about = about.replace(
    /\b(?:every|each)\s+(?:day|week|month|morning|evening|night|monday|tuesday|wednesday|thursday|friday|saturday|sunday)\b|\b(?:daily|weekly|monthly)\b/gi,
    ' ',
  );
  about = about.replace(/\b(?:every|each)\s+(?=to\b|at\b|$)/gi, ' ');
  const cleaned = about
    .replace(/\b(?:please|pls|thanks|thank you)\b/gi, ' ')
    .replace(/\s+/g, ' ')
    .trim()
    .replace(/^(?:(?:i\s+|we\s+)?(?:need to|have to|should|must|gotta|got to)|to)\s+/i, '')
    .replace(/[\s,.!?]+$/, '')
    .replace(/\s+(?:at|on|by|in)$/i, '')
    .replace(/^["'“‘]+|["'”’]+$/g, '')
    .trim();
  return cleaned || slots.title || 'Reminder';
}

/** "remind me to call mom at 5", or untimed: "remind me to buy milk" is a to-do. */
export const remind: Planner = ({ text, slots, prefs }) => {
  const what = reminderText(text, slots);
  if (slots.when) {
    // "tomorrow morning", "on friday": a day without a clock time gets the hour of its part of the day.
    const at = slots.dayOnly ? atPartOfDay(slots.when.start, slots.when.text, prefs.timeZone) : slots.when.start;
    const reasoning = [
      ...(slots.dayOnly ? [`You gave no time of day, so I remind you at ${clock(at, prefs.timeZone)}.`] : []),
      ...(slots.recurrence ? ['Reminders do not repeat yet: this one is for the first time only.'] : []),
    ];
    return {
      ...steps({
        id: 's1',
        action: 'reminders.create',
        params: { text: what, at },
        dependsOn: [],
        why: `remind you ${slots.when.text} to ${what}`,
      }),
      reasoning,
    };
  }
  return {
    ...steps({
      id: 's1',
      action: 'reminders.create',
      params: { text: what, at: null },
      dependsOn: [],
      why: `put "${what}" on your to-do list`,
    }),
    reasoning: ['You gave no time, so it is a to-do: it stays on your list until you tick it off ("aura reminders").'],
  };
};

const PART_OF_DAY: [RegExp, number][] = [
  [/\bmorning\b/i, 9],
  [/\bnoon|midday|lunch\b/i, 12],
  [/\bafternoon\b/i, 14],
  [/\bevening\b/i, 18],
  [/\btonight|night\b/i, 20],
];

/** The hour people mean by a day alone (9:00) or a part of it ("this evening" is 18:00). */
function atPartOfDay(start: string, said: string, timeZone?: string): string {
  const hour = PART_OF_DAY.find(([re]) => re.test(said))?.[1] ?? 9;
  const { year, month, day } = wallClock(start, timeZone);
  return atWallClock({ year, month, day, hour, minute: 0 }, timeZone).toISOString();
}

/** "wake me up at 6"; "set a timer for 10 minutes" is a reminder when it runs out. */
export const setAlarm: Planner = ({ text, slots, now }) => {
  const timer = /\btimer\b/i.test(text) && slots.durationMinutes !== undefined;
  const at =
    slots.when?.start ??
    (timer ? new Date(now.getTime() + (slots.durationMinutes ?? 0) * 60_000).toISOString() : undefined);
  return at
    ? steps({
        id: 's1',
        action: 'reminders.create',
        params: { text: timer ? `Timer: ${slots.durationMinutes} minutes` : 'Alarm', at },
        dependsOn: [],
        why: timer ? `remind you in ${slots.durationMinutes} minutes` : `remind you ${slots.when?.text ?? ''}`.trim(),
      })
    : question('When should I remind you?');
};

/** "what are my reminders", "show my to-dos". */
export const listReminders: Planner = () =>
  steps({ id: 's1', action: 'reminders.list', params: {}, dependsOn: [], why: 'read your reminders and to-dos' });
