import type { CalendarView } from '../calendar.ts';
import type { Preferences } from '../preferences.ts';
import { clock } from './clock.ts';
import type { PlanStep } from './plan.ts';

/**
 * Constraints a plan must meet before anyone is asked to approve it: an event is not booked in
 * the past, nor over one already in the calendar (a double booking is a question, not a plan).
 */
export async function checkConstraints(
  plan: PlanStep[],
  { now, prefs, calendar }: { now: Date; prefs: Preferences; calendar?: CalendarView },
): Promise<{ questions: string[]; reasoning: string[] }> {
  const questions: string[] = [];
  const reasoning: string[] = [];
  for (const step of plan) {
    if (step.action !== 'calendar.create_event' && step.action !== 'reminders.create') continue;
    const startIso = (step.params.start ?? step.params.at) as string | undefined;
    if (!startIso) continue;
    const start = new Date(startIso);
    if (start.getTime() < now.getTime() - 60_000) {
      questions.push(`${clock(startIso, prefs.timeZone)} on ${start.toDateString()} has already passed. When instead?`);
      continue;
    }
    if (step.action !== 'calendar.create_event' || !calendar) continue;
    const minutes = Number(step.params.durationMinutes ?? prefs.defaultMeetingMinutes);
    const end = new Date(start.getTime() + minutes * 60_000).toISOString();
    const clashes = (await calendar.eventsBetween(startIso, end)).filter(
      (e) => Date.parse(e.start) < Date.parse(end) && Date.parse(e.end) > start.getTime(),
    );
    if (clashes.length > 0) {
      questions.push(
        `You already have ${clashes
          .map((e) => `"${e.title}" ${clock(e.start, prefs.timeZone)}–${clock(e.end, prefs.timeZone)}`)
          .join(' and ')} then. Which other time?`,
      );
    } else {
      reasoning.push(
        `Your calendar is free ${clock(startIso, prefs.timeZone)}–${clock(end, prefs.timeZone)}, so nothing is double-booked.`,
      );
    }
  }
  return { questions, reasoning };
}
