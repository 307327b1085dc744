import { queryCalendar, removeFromCalendar, setCalendar } from './calendar.ts';
import { findContacts } from './contacts.ts';
import { searchEmail, sendEmail } from './email.ts';
import { addToList, removeFromList, showList } from './lists.ts';
import { type Plan, type PlanContext, type Planner, steps } from './plan.ts';
import { listReminders, setAlarm } from './reminders.ts';

/** The intents Aura can plan; the model reads others too, and those are unsupported. */
export type Intent =
  | 'calendar_set'
  | 'calendar_query'
  | 'calendar_remove'
  | 'alarm_set'
  | 'alarm_query'
  | 'lists_createoradd'
  | 'lists_remove'
  | 'lists_query'
  | 'email_sendemail'
  | 'email_query'
  | 'email_querycontact';

/** One planner per intent: the steps, their dependencies, their parameters. */
export const PLANNERS: Record<Intent, Planner> = {
  calendar_set: setCalendar,
  calendar_query: queryCalendar,
  calendar_remove: removeFromCalendar,
  alarm_set: setAlarm,
  alarm_query: listReminders,
  lists_createoradd: addToList,
  lists_remove: removeFromList,
  lists_query: showList,
  email_sendemail: sendEmail,
  email_query: searchEmail,
  email_querycontact: findContacts,
};

/** The template plan for an intent; an intent no planner knows gets no steps. */
export function planFor(intent: string, ctx: PlanContext): Plan {
  return Object.hasOwn(PLANNERS, intent) ? PLANNERS[intent as Intent](ctx) : steps();
}

export type { DraftStep, Person, Plan, PlanContext, Planner, PlanStep } from './plan.ts';
