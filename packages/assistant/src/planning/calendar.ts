import { dayRange, local } from './clock.ts';
import { type DraftStep, type Planner, question, steps } from './plan.ts';
import { remind } from './reminders.ts';

/** "move my meeting with John to 4pm": find it, check the new time, move it. */
const reschedule: Planner = ({ slots, people, prefs }) => {
  if (!slots.when) return question('When should it move to?');
  const names = people.map((p) => p.name);
  return steps(
    {
      id: 's1',
      action: 'calendar.find_event',
      params: { title: slots.title ?? null, attendees: names },
      dependsOn: [],
      why: 'find the event to move',
    },
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
      why: `move it to ${slots.when.text}`,
    },
  );
};

/** "schedule a meeting with John tomorrow at 3pm": check the time, book it, invite who has an address. */
const schedule: Planner = ({ slots, people, prefs }) => {
  if (!slots.when) return question('When should it be?');
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

/** calendar_set: a move, a reminder (HWU64 files "remind me to ..." here; Aura keeps them apart), or a new event. */
export const setCalendar: Planner = (ctx) => {
  if (ctx.slots.reschedule) return reschedule(ctx);
  if (/\b(remind me|reminder|don'?t let me forget)\b/i.test(ctx.text)) return remind(ctx);
  return schedule(ctx);
};

/** "what's on my calendar friday": that whole day. */
export const queryCalendar: Planner = ({ slots, now, prefs }) =>
  steps({
    id: 's1',
    action: 'calendar.list_events',
    params: dayRange(slots.when?.start, now, prefs.timeZone),
    dependsOn: [],
    why: `read your calendar for ${slots.when?.text ?? 'today'}`,
  });

/** "cancel my meeting tomorrow": find it, then delete it. */
export const removeFromCalendar: Planner = ({ slots }) =>
  steps(
    {
      id: 's1',
      action: 'calendar.find_event',
      params: { start: slots.when?.start ?? null, title: slots.title ?? null },
      dependsOn: [],
      why: 'find the event',
    },
    {
      id: 's2',
      action: 'calendar.delete_event',
      params: { event: 's1' },
      dependsOn: ['s1'],
      why: 'cancel it',
    },
  );
