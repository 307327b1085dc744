import { REMINDER } from '../routing.ts';
import type { Slots } from '../slots.ts';
import { clock, dayRange, local } from './clock.ts';
import { type DraftStep, type Planner, question, steps } from './plan.ts';
import { remind } from './reminders.ts';

/** "move my 3pm meeting with John to 4pm": find it (by what, who and the old time), check the new time, move it. */
const reschedule: Planner = ({ slots, people, prefs, openQuestions }) => {
  if (!identifies(slots, people))
    return openQuestions.length > 0 ? steps() : question('Which event should I move? Say what, with whom or when.');
  const names = people.map((p) => p.name);
  const find: DraftStep = {
    id: 's1',
    action: 'calendar.find_event',
    params: { title: slots.title ?? null, attendees: names, start: slots.from?.start ?? null },
    dependsOn: [],
    why: `find the ${slots.title ?? 'event'}${names.length ? ` with ${names.join(', ')}` : ''}${slots.from ? ` at ${slots.from.text}` : ''} to move`,
  };
  if (!slots.when && slots.shiftMinutes !== undefined) {
    const by = Math.abs(slots.shiftMinutes);
    return steps(find, {
      id: 's2',
      action: 'calendar.update_event',
      params: { event: 's1', shiftMinutes: slots.shiftMinutes },
      dependsOn: ['s1'],
      why: `move it ${by} minutes ${slots.shiftMinutes > 0 ? 'later' : 'earlier'} (if that time is free when it runs)`,
    });
  }
  if (!slots.when) return question('When should it move to?');
  if (slots.dayOnly) return question(`What time on ${slots.when.text.replace(/^(on|to)\s+/i, '')} should it move to?`);
  return steps(
    find,
    {
      id: 's2',
      action: 'calendar.find_free_time',
      params: {
        start: slots.when.start,
        durationMinutes: slots.durationMinutes ?? prefs.defaultMeetingMinutes,
        attendees: names,
      },
      dependsOn: [],
      why: `check ${slots.when.text} is free`,
    },
    {
      id: 's3',
      action: 'calendar.update_event',
      params: { event: 's1', start: slots.when.start },
      dependsOn: ['s1', 's2'],
      why: `move it to ${clock(slots.when.start, prefs.timeZone)} (${slots.when.text})`,
    },
  );
};

/** "schedule a meeting with John tomorrow at 3pm": check the time, book it, invite who has an address. */
const schedule: Planner = ({ slots, people, prefs }) => {
  if (!slots.when) return question(`When should the ${slots.title ?? 'meeting'} be?`);
  if (slots.dayOnly) return question(`What time ${slots.when.text} should the ${slots.title ?? 'meeting'} be?`);
  const names = people.map((p) => p.name);
  const duration = slots.durationMinutes ?? prefs.defaultMeetingMinutes;
  const title = `${slots.title ? slots.title[0]?.toUpperCase() + slots.title.slice(1) : 'Meeting'}${names.length ? ` with ${names.join(', ')}` : ''}`;
  const plan: DraftStep[] = [
    {
      id: 's1',
      action: 'calendar.find_free_time',
      params: { start: slots.when.start, durationMinutes: duration, attendees: names },
      dependsOn: [],
      why: `check ${slots.when.text} is free for ${duration} minutes`,
    },
    {
      id: 's2',
      action: 'calendar.create_event',
      params: {
        title,
        start: slots.when.start,
        durationMinutes: duration,
        attendees: names,
        attendeeEmails: people.flatMap((p) => (p.email ? [p.email] : [])),
        ...(slots.recurrence ? { recurrence: slots.recurrence } : {}),
        ...(slots.place ? { location: slots.place } : {}),
      },
      dependsOn: ['s1'],
      why: `put "${title}" in your calendar`,
    },
  ];
  const invitees = people.filter((p) => p.email);
  if (invitees.length > 0)
    plan.push({
      id: 's3',
      action: 'email.send_invitation',
      params: { to: invitees.map((p) => p.email), event: 's2' },
      dependsOn: ['s2'],
      why: `invite ${invitees.map((p) => p.name).join(', ')} by email`,
    });
  const reasoning = people
    .filter((p) => !p.email)
    .map((p) => `${p.name} has no email address, so no invitation is planned.`);
  const { hour } = local(slots.when.start, prefs.timeZone);
  if (hour < prefs.workingHours.start || hour >= prefs.workingHours.end)
    reasoning.push(`That is outside your working hours (${prefs.workingHours.start}:00–${prefs.workingHours.end}:00).`);
  return { steps: plan, questions: [], reasoning };
};

/** calendar_set: a reminder (HWU64 files "remind me to ..." here; Aura keeps them apart), a move, or a new event. */
export const setCalendar: Planner = (ctx) => {
  if (REMINDER.test(ctx.text) || ctx.slots.todo) return remind(ctx);
  if (ctx.slots.reschedule) return reschedule(ctx);
  return schedule(ctx);
};

const UPCOMING_DAYS = 30;

/**
 * "what's on my calendar friday" reads that day; "is my meeting with John on my calendar" reads
 * the coming weeks for that meeting. Reading only: a question never changes the calendar.
 */
export const queryCalendar: Planner = ({ slots, now, prefs, people }) => {
  const names = people.map((p) => p.name);
  const span = (days: number) => {
    const day = dayRange(slots.when?.start, now, prefs.timeZone);
    const start = Math.max(Date.parse(day.start), now.getTime() - 3_600_000);
    return {
      start: new Date(start).toISOString(),
      end: new Date(Date.parse(day.start) + days * 86_400_000).toISOString(),
    };
  };
  // "this week", "next week", "this weekend": the days said, not only the first.
  const range = slots.when
    ? /\bweekend\b/i.test(slots.when.text)
      ? span(2)
      : /\bweek\b/i.test(slots.when.text)
        ? span(7)
        : dayRange(slots.when.start, now, prefs.timeZone)
    : names.length > 0 || slots.title
      ? { start: now.toISOString(), end: new Date(now.getTime() + UPCOMING_DAYS * 86_400_000).toISOString() }
      : dayRange(undefined, now, prefs.timeZone);
  const what = [slots.title ? `your ${slots.title}` : '', names.length ? `with ${names.join(', ')}` : '']
    .filter(Boolean)
    .join(' ');
  return steps({
    id: 's1',
    action: 'calendar.list_events',
    params: {
      ...range,
      ...(slots.title && !/^(meeting|event)$/.test(slots.title) ? { title: slots.title } : {}),
      ...(names.length ? { attendees: names } : {}),
    },
    dependsOn: [],
    why: `look ${what ? `for ${what} ` : ''}in your calendar ${slots.when ? `for ${slots.when.text}` : names.length || slots.title ? `for the next ${UPCOMING_DAYS} days` : 'for today'}`,
  });
};

/** Whether anything in the request picks out one event: what, who or when. */
const identifies = (slots: Slots, people: unknown[]) =>
  Boolean(slots.title || people.length > 0 || slots.from || (!slots.reschedule && slots.when));

/** "cancel my meeting with John tomorrow": find it, then delete it. */
export const removeFromCalendar: Planner = ({ text, slots, people, openQuestions }) =>
  /\b(?:everything|all (?:of )?(?:my |the )?(?:meetings|events|appointments)|all of (?:them|it))\b/i.test(text)
    ? question('I cancel one event at a time, so that each one is yours to approve: which one first?')
    : !identifies(slots, people)
      ? openQuestions.length > 0
        ? steps()
        : question('Which event should I cancel? Say what, with whom or when.')
      : steps(
          {
            id: 's1',
            action: 'calendar.find_event',
            params: {
              start: slots.when?.start ?? null,
              title: slots.title ?? null,
              attendees: people.map((p) => p.name),
            },
            dependsOn: [],
            why: `find the ${slots.title ?? 'event'}${people.length ? ` with ${people.map((p) => p.name).join(', ')}` : ''}`,
          },
          {
            id: 's2',
            action: 'calendar.delete_event',
            params: { event: 's1' },
            dependsOn: ['s1'],
            why: 'cancel it',
          },
        );
