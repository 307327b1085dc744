import type { PlannedStep } from '@aura/client';
import { ACTIONS, type ActionSpec, actionByName } from './actions.ts';
import type { Personalisation, SlotCorrection } from './learning.ts';
import { builtinIntentModel } from './nlu/builtin-model.ts';
import { type IntentModel, predict } from './nlu/model.ts';
import type { Preferences } from './preferences.ts';
import type { IntentProvider, PlanningProvider, ProposedStep } from './providers/types.ts';
import { extractSlots, type Slots, zoneOffsetMinutes } from './slots.ts';

export type { Preferences } from './preferences.ts';

/** A person from the user's relationships (decrypted on the client). */
export interface Person {
  id: string;
  name: string;
  email?: string;
  relationship?: string;
}

/** An event already in the user's calendar, as the calendar plugin reads it on the client. */
export interface BusyEvent {
  id: string;
  title: string;
  start: string;
  end: string;
}

/** The calendar the planner checks for double bookings (the enabled calendar plugin). */
export interface CalendarView {
  eventsBetween(start: string, end: string): Promise<BusyEvent[]>;
}

export interface DecisionContext {
  now?: Date;
  /** Relationships holding this word (blind-index search, then decryption, on the client). */
  findPeople: (word: string) => Promise<Person[]>;
  preferences?: Partial<Preferences>;
  /** Actions the user lets run without asking. */
  autoApprove?: string[];
  model?: IntentModel;
  /** Below this confidence Aura says it is not sure instead of guessing. */
  confidenceThreshold?: number;
  /** This user's corrections, people and context confidence, from their encrypted learning events. */
  personalisation?: Personalisation;
  /** The user's calendar, for double-booking checks. */
  calendar?: CalendarView;
  /** Actions the enabled plugins offer (all of the catalogue when absent). */
  availableActions?: string[];
  /** Specs of actions beyond the catalogue (an MCP server's tools), for model-made plans. */
  actionSpecs?: ActionSpec[];
  /** Another intent reader (an LLM endpoint); the builtin model answers when it fails. */
  provider?: IntentProvider;
}

/** A step of a plan: the same shape the client encrypts and submits as a task step. */
export type PlanStep = PlannedStep;

export interface Decision {
  text: string;
  intent: string;
  confidence: number;
  alternatives: { intent: string; probability: number }[];
  slots: Slots;
  people: Person[];
  plan: PlanStep[];
  questions: string[];
  reasoning: string[];
  status: 'ready' | 'needs_input' | 'not_sure' | 'unsupported';
}

const DEFAULTS: Preferences = { defaultMeetingMinutes: 30, workingHours: { start: 9, end: 17 } };

/** Wall-clock parts of an instant in the user's zone (the runtime's own zone when none is set). */
function local(iso: string | Date, timeZone?: string) {
  const at = new Date(iso);
  if (!timeZone) return { hour: at.getHours(), minute: at.getMinutes(), offset: -at.getTimezoneOffset() };
  const offset = zoneOffsetMinutes(timeZone, at);
  const shifted = new Date(at.getTime() + offset * 60_000);
  return { hour: shifted.getUTCHours(), minute: shifted.getUTCMinutes(), offset };
}

const clock = (iso: string, timeZone?: string) => {
  const { hour, minute } = local(iso, timeZone);
  return `${hour}:${String(minute).padStart(2, '0')}`;
};
const PEOPLE_INTENTS = new Set([
  'calendar_set',
  'email_sendemail',
  'email_querycontact',
  'email_query',
  'email_addcontact',
]);

/** Which of the user's people the request names: exact names first, then ambiguity, then strangers. */
async function resolvePeople(
  slots: Slots,
  ctx: DecisionContext,
  questions: string[],
  reasoning: string[],
): Promise<Person[]> {
  const found = new Map<string, Person>();
  const mentioned = slots.mentionedPerson?.toLowerCase().split(/\s+/) ?? [];
  const me = ctx.personalisation;
  const importance = (p: Person) => me?.importance(p.id) ?? 0.5;
  const describe = (p: Person) => `${p.name}${p.relationship ? ` (${p.relationship})` : ''}`;
  if (slots.relation) {
    // "my manager", "mom": the person whose relationship is that word.
    const byRelation = (await ctx.findPeople(slots.relation)).filter(
      (p) => p.relationship?.toLowerCase() === slots.relation,
    );
    if (byRelation.length === 1) {
      const person = byRelation[0] as Person;
      found.set(person.id, person);
      reasoning.push(`Your ${slots.relation} is ${person.name}.`);
    } else if (byRelation.length > 1) {
      byRelation.sort((a, b) => importance(b) - importance(a));
      questions.push(`Which ${slots.relation} do you mean: ${byRelation.map(describe).join(' or ')}?`);
    }
  }
  for (const word of slots.personWords) {
    const matches = (await ctx.findPeople(word)).filter((p) =>
      p.name
        .toLowerCase()
        .split(/\s+/)
        .some((part) => part === word.toLowerCase() || part.startsWith(word.toLowerCase())),
    );
    if (matches.length === 0 || matches.every((p) => found.has(p.id))) continue;
    const full = slots.mentionedPerson
      ? matches.filter((p) => p.name.toLowerCase().includes(slots.mentionedPerson?.toLowerCase() ?? ''))
      : [];
    let candidates = full.length > 0 ? full : matches;
    const meant = me?.personFor(word);
    if (candidates.length > 1 && meant) {
      const learned = candidates.filter((p) => p.name.toLowerCase() === meant.toLowerCase());
      if (learned.length === 1) {
        candidates = learned;
        reasoning.push(`You told me before that by ${word} you mean ${meant}.`);
      }
    }
    if (candidates.length > 1) {
      // The person the user's accepted plans involved most is offered first.
      candidates.sort((a, b) => importance(b) - importance(a));
      questions.push(`Which ${word} do you mean: ${candidates.map(describe).join(' or ')}?`);
      continue;
    }
    const person = candidates[0] as Person;
    found.set(person.id, person);
    reasoning.push(`"${word}" is ${person.name}${person.relationship ? `, your ${person.relationship}` : ''}.`);
  }
  if (slots.mentionedPerson && found.size === 0 && questions.length === 0) {
    const named = mentioned.join(' ');
    questions.push(`Who is ${slots.mentionedPerson}? I do not have ${named} among your people ("aura people add").`);
  }
  return [...found.values()];
}

/** The whole day (in the user's zone) around an instant. */
function dayRange(iso: string | undefined, now: Date, timeZone?: string): { start: string; end: string } {
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

/** Templates per intent: the steps, their dependencies, their parameters. */
function planFor(
  intent: string,
  slots: Slots,
  people: Person[],
  prefs: Preferences,
  questions: string[],
  reasoning: string[],
  text: string,
  now: Date,
) {
  const steps: Omit<PlanStep, 'requiresApproval'>[] = [];
  const names = people.map((p) => p.name);
  switch (intent) {
    case 'calendar_set': {
      if (slots.reschedule) {
        if (!slots.when) {
          questions.push('When should it move to?');
          break;
        }
        steps.push({
          id: 's1',
          action: 'calendar.find_event',
          params: { title: slots.title ?? null, attendees: names },
          dependsOn: [],
          why: 'find the event to move',
        });
        steps.push({
          id: 's2',
          action: 'calendar.find_free_time',
          params: {
            start: slots.when.start,
            durationMinutes: slots.durationMinutes ?? prefs.defaultMeetingMinutes,
            attendees: names,
          },
          dependsOn: [],
          why: `check ${slots.when.text} is free`,
        });
        steps.push({
          id: 's3',
          action: 'calendar.update_event',
          params: { event: 's1', start: slots.when.start },
          dependsOn: ['s1', 's2'],
          why: `move it to ${slots.when.text}`,
        });
        break;
      }
      if (/\b(remind me|reminder|don'?t let me forget)\b/i.test(text)) {
        // HWU64 files "remind me to ..." under calendar_set; Aura keeps reminders apart from events.
        if (!slots.when) questions.push('When should I remind you?');
        else
          steps.push({
            id: 's1',
            action: 'reminders.create',
            params: { text: reminderText(text, slots), at: slots.when.start },
            dependsOn: [],
            why: `remind you ${slots.when.text}`,
          });
        break;
      }
      if (!slots.when) {
        questions.push('When should it be?');
        break;
      }
      const duration = slots.durationMinutes ?? prefs.defaultMeetingMinutes;
      const title = `${slots.title ? slots.title[0]?.toUpperCase() + slots.title.slice(1) : 'Meeting'}${names.length ? ` with ${names.join(', ')}` : ''}`;
      steps.push({
        id: 's1',
        action: 'calendar.find_free_time',
        params: { start: slots.when.start, durationMinutes: duration, attendees: names },
        dependsOn: [],
        why: `check ${slots.when.text} is free for ${duration} minutes`,
      });
      steps.push({
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
      });
      const invitees = people.filter((p) => p.email);
      if (invitees.length > 0) {
        steps.push({
          id: 's3',
          action: 'email.send_invitation',
          params: { to: invitees.map((p) => p.email), event: 's2' },
          dependsOn: ['s2'],
          why: `invite ${invitees.map((p) => p.name).join(', ')} by email`,
        });
      }
      for (const p of people.filter((x) => !x.email))
        reasoning.push(`${p.name} has no email address, so no invitation is planned.`);
      const { hour } = local(slots.when.start, prefs.timeZone);
      if (hour < prefs.workingHours.start || hour >= prefs.workingHours.end) {
        reasoning.push(
          `That is outside your working hours (${prefs.workingHours.start}:00–${prefs.workingHours.end}:00).`,
        );
      }
      break;
    }
    case 'calendar_query':
      steps.push({
        id: 's1',
        action: 'calendar.list_events',
        params: dayRange(slots.when?.start, now, prefs.timeZone),
        dependsOn: [],
        why: `read your calendar for ${slots.when?.text ?? 'today'}`,
      });
      break;
    case 'calendar_remove':
      steps.push({
        id: 's1',
        action: 'calendar.find_event',
        params: { start: slots.when?.start ?? null, title: slots.title ?? null },
        dependsOn: [],
        why: 'find the event',
      });
      steps.push({
        id: 's2',
        action: 'calendar.delete_event',
        params: { event: 's1' },
        dependsOn: ['s1'],
        why: 'cancel it',
      });
      break;
    case 'alarm_set':
      if (!slots.when) questions.push('When should I remind you?');
      else
        steps.push({
          id: 's1',
          action: 'reminders.create',
          params: { text: 'Alarm', at: slots.when.start },
          dependsOn: [],
          why: `remind you ${slots.when.text}`,
        });
      break;
    case 'lists_createoradd':
      steps.push({
        id: 's1',
        action: 'lists.add_item',
        params: { list: slots.listName ?? 'shopping', item: slots.item ?? null },
        dependsOn: [],
        why: `add ${slots.item ?? 'it'} to your ${slots.listName ?? 'shopping'} list`,
      });
      if (!slots.item) questions.push('What should I add?');
      break;
    case 'lists_query':
      steps.push({
        id: 's1',
        action: 'lists.show',
        params: { list: slots.listName ?? 'shopping' },
        dependsOn: [],
        why: 'show the list',
      });
      break;
    case 'email_sendemail':
      if (people.length === 0 && slots.emails.length === 0 && questions.length === 0)
        questions.push('Who should I email?');
      else if (people.length > 0 || slots.emails.length > 0) {
        steps.push({
          id: 's1',
          action: 'email.send',
          params: { to: [...people.map((p) => p.email ?? p.name), ...slots.emails], ...messageOf(text, slots, people) },
          dependsOn: [],
          why: `email ${[...names, ...slots.emails].join(', ')}`,
        });
      }
      break;
    case 'email_query':
      steps.push({
        id: 's1',
        action: 'email.search',
        params: { from: people.map((p) => p.email ?? p.name), query: null },
        dependsOn: [],
        why: 'look through your mail',
      });
      break;
    case 'email_querycontact':
      for (const [i, p] of people.entries())
        steps.push({
          id: `s${i + 1}`,
          action: 'contacts.find',
          params: { person: p.id },
          dependsOn: [],
          why: `look up ${p.name}`,
        });
      break;
  }
  return steps;
}

/** "email Sarah the notes": the subject is what follows the recipient; the body says who asked. */
function messageOf(text: string, slots: Slots, people: Person[]) {
  let rest = text.replace(/^.*?\b(?:email|e-mail|mail|send|write|tell|message)\b\s*/i, '');
  for (const p of people)
    for (const part of p.name.split(/\s+/)) rest = rest.replace(new RegExp(`^(?:to\\s+)?${part}\\b\\s*`, 'i'), '');
  for (const e of slots.emails) rest = rest.replace(e, '');
  rest = rest
    .replace(/^(?:an?\s+email\s+)?(?:to\s+)?/i, '')
    .replace(/[\s.!?]+$/, '')
    .trim();
  const subject = rest ? rest[0]?.toUpperCase() + rest.slice(1) : 'A note';
  return { subject, body: `${subject}\n\n(sent by Aura on your request: "${text}")` };
}

/** What to be reminded of: the words after "remind me to", without the time. */
function reminderText(text: string, slots: Slots): string {
  const about = text.match(/\b(?:remind me|reminder|forget)\s+(?:to|about|that|of)?\s*(.+)$/i)?.[1] ?? '';
  const cleaned = (slots.when ? about.replace(slots.when.text, ' ') : about)
    .replace(/\s+/g, ' ')
    .replace(/[\s,.!?]+$/, '')
    .trim();
  return cleaned || slots.title || 'Reminder';
}

/** Steps a plan can do without: an invitation is sent only when a mail plugin can send it. */
const OPTIONAL = new Set(['email.send_invitation']);
const PLUGIN_OF: Record<string, string> = {
  calendar: 'calendar',
  email: 'email',
  reminders: 'reminders',
  lists: 'lists',
  contacts: 'contacts',
};

function withAvailablePlugins(
  steps: Omit<PlanStep, 'requiresApproval'>[],
  available: Set<string>,
  reasoning: string[],
): Omit<PlanStep, 'requiresApproval'>[] {
  const missing = steps.filter((s) => !available.has(s.action));
  if (missing.length === 0) return steps;
  const plugin = (action: string) => PLUGIN_OF[action.split('.')[0] ?? ''] ?? action.split('.')[0];
  if (missing.every((s) => OPTIONAL.has(s.action))) {
    for (const s of missing)
      reasoning.push(`No ${plugin(s.action)} plugin is enabled, so I will not ${s.why} ("aura plugins list").`);
    return steps.filter((s) => available.has(s.action));
  }
  const names = [...new Set(missing.map((s) => plugin(s.action)))];
  reasoning.push(
    `No enabled plugin can ${missing.map((s) => s.action).join(', ')}: enable ${names.join(' and ')} ("aura plugins list").`,
  );
  return [];
}

/** What the user said a slot is, over what was read from the words. */
function applySlotCorrection(slots: Slots, fix: SlotCorrection, now: Date, timeZone?: string) {
  if (fix.person) {
    slots.mentionedPerson = fix.person;
    slots.personWords = fix.person.split(/\s+/).filter((w) => w.length >= 2);
    delete slots.relation;
  }
  if (fix.title) slots.title = fix.title;
  if (fix.place) slots.place = fix.place;
  if (fix.when) {
    const when = extractSlots(fix.when, now, timeZone).when;
    if (when) slots.when = when;
  }
}

/**
 * Constraints a plan must meet before anyone is asked to approve it: an event is not booked in
 * the past, nor over one already in the calendar (a double booking is a question, not a plan).
 */
async function checkConstraints(
  plan: PlanStep[],
  ctx: DecisionContext & { now: Date },
  prefs: Preferences,
  questions: string[],
  reasoning: string[],
) {
  for (const step of plan) {
    if (step.action !== 'calendar.create_event' && step.action !== 'reminders.create') continue;
    const startIso = (step.params.start ?? step.params.at) as string | undefined;
    if (!startIso) continue;
    const start = new Date(startIso);
    if (start.getTime() < ctx.now.getTime() - 60_000) {
      questions.push(`${clock(startIso, prefs.timeZone)} on ${start.toDateString()} has already passed. When instead?`);
      continue;
    }
    if (step.action !== 'calendar.create_event' || !ctx.calendar) continue;
    const minutes = Number(step.params.durationMinutes ?? prefs.defaultMeetingMinutes);
    const end = new Date(start.getTime() + minutes * 60_000).toISOString();
    const clashes = (await ctx.calendar.eventsBetween(startIso, end)).filter(
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
}

/** Checks a model-made plan against the action schemas; returns why it is unusable, or nothing. */
export function checkProposedPlan(
  steps: ProposedStep[],
  specs: Map<string, ActionSpec> = actionByName,
): string | undefined {
  if (!Array.isArray(steps) || steps.length === 0 || steps.length > 20) return 'it is empty or too long';
  const ids = new Set<string>();
  for (const step of steps) {
    if (typeof step?.id !== 'string' || ids.has(step.id)) return 'its step ids are missing or repeated';
    ids.add(step.id);
    const spec = specs.get(step.action);
    if (!spec) return `it uses an unknown action "${String(step.action)}"`;
    if (typeof step.params !== 'object' || step.params === null) return `${step.id} has no parameters`;
    for (const [key, value] of Object.entries(step.params)) {
      const type = spec.params[key];
      if (!type) return `${step.action} has no parameter "${key}"`;
      if (type === 'datetime' && value !== null && (typeof value !== 'string' || Number.isNaN(Date.parse(value))))
        return `${key} is not a date`;
      if (type === 'number' && value !== null && typeof value !== 'number') return `${key} is not a number`;
    }
    if (!Array.isArray(step.dependsOn)) return `${step.id} has no dependency list`;
  }
  for (const step of steps)
    for (const d of step.dependsOn) if (!ids.has(d)) return `${step.id} depends on a missing step`;
  const done = new Set<string>();
  while (done.size < steps.length) {
    const ready = steps.filter((s) => !done.has(s.id) && s.dependsOn.every((d) => done.has(d)));
    if (ready.length === 0) return 'its dependencies form a cycle';
    for (const s of ready) done.add(s.id);
  }
  return undefined;
}

function validate(
  steps: Omit<PlanStep, 'requiresApproval'>[],
  autoApprove: Set<string>,
  reasoning: string[],
  specs: Map<string, ActionSpec>,
): PlanStep[] {
  const ids = new Set(steps.map((s) => s.id));
  for (const step of steps) {
    if (!specs.has(step.action)) throw new Error(`unknown action ${step.action}`);
    for (const d of step.dependsOn) if (!ids.has(d)) throw new Error(`step ${step.id} depends on missing ${d}`);
  }
  const done = new Set<string>();
  while (done.size < steps.length) {
    const ready = steps.filter((s) => !done.has(s.id) && s.dependsOn.every((d) => done.has(d)));
    if (ready.length === 0) throw new Error('the plan has a dependency cycle');
    for (const s of ready) done.add(s.id);
  }
  return steps.map((s) => {
    const external = specs.get(s.action)?.externalSideEffects ?? true;
    const requiresApproval = external && !autoApprove.has(s.action);
    if (external && !requiresApproval) reasoning.push(`${s.action} runs without asking, as your rule allows.`);
    return { ...s, requiresApproval };
  });
}

/** The spec's decision flow: context → intent → constraints → plan → validation → Decision. */
export async function decide(text: string, ctx: DecisionContext): Promise<Decision> {
  const now = ctx.now ?? new Date();
  const prefs = { ...DEFAULTS, ...ctx.preferences };
  const model = ctx.model ?? builtinIntentModel();
  let predicted = predict(model, text);
  let providerNote: string | undefined;
  let providerAnswered = false;
  if (ctx.provider) {
    try {
      const answer = await ctx.provider.classify(text, model.intents);
      predicted = { ...predicted, intent: answer.intent, confidence: answer.confidence };
      providerNote = `${ctx.provider.name} read the request.`;
      providerAnswered = true;
    } catch (error) {
      providerNote = `${ctx.provider.name} failed (${(error as Error).message}); the builtin model answered instead.`;
    }
  }
  const me = ctx.personalisation;
  const specs = new Map<string, ActionSpec>(
    [...ACTIONS, ...(ctx.actionSpecs ?? [])]
      .filter((a) => !ctx.availableActions || ctx.availableActions.includes(a.name))
      .map((a) => [a.name, a]),
  );
  const corrected = me?.intentFor(text);
  const prediction = corrected ? { ...predicted, intent: corrected, confidence: 1 } : predicted;
  const slots = extractSlots(text, now, prefs.timeZone);
  const questions: string[] = [];
  const reasoning: string[] = [
    corrected
      ? `You corrected this before: it means ${corrected.replace('_', ': ')}.`
      : `I read this as ${prediction.intent.replace('_', ': ')} (${Math.round(prediction.confidence * 100)}% sure).`,
  ];
  if (providerNote) reasoning.push(providerNote);
  const fixedSlots = me?.slotsFor(text);
  if (fixedSlots) {
    applySlotCorrection(slots, fixedSlots, now, prefs.timeZone);
    reasoning.push(
      `You corrected this before: ${Object.entries(fixedSlots)
        .map(([k, v]) => `${k} is ${v}`)
        .join(', ')}.`,
    );
  }
  if (prefs.timeZone) reasoning.push(`Times are read in your time zone, ${prefs.timeZone}.`);
  const base = {
    text,
    intent: prediction.intent,
    confidence: prediction.confidence,
    alternatives: prediction.ranked.slice(1, 3),
    slots,
  };
  if (prediction.confidence < (ctx.confidenceThreshold ?? 0.35)) {
    const options = prediction.ranked
      .slice(0, 2)
      .map((r) => r.intent.replace('_', ': '))
      .join(' or ');
    return {
      ...base,
      people: [],
      plan: [],
      questions: [`I am not sure what you mean. Is it ${options}?`],
      reasoning,
      status: 'not_sure',
    };
  }
  const people = PEOPLE_INTENTS.has(prediction.intent) ? await resolvePeople(slots, ctx, questions, reasoning) : [];
  let steps = planFor(prediction.intent, slots, people, prefs, questions, reasoning, text, now);
  // A provider that could not even read the request is not asked to plan it.
  const planner =
    providerAnswered && ctx.provider && 'plan' in ctx.provider ? (ctx.provider as PlanningProvider) : undefined;
  if (planner && steps.length > 0 && questions.length === 0) {
    try {
      const proposed = await planner.plan(text, {
        intent: prediction.intent,
        actions: [...specs.values()].map((a) => ({ name: a.name, params: a.params })),
        people: people.map((p) => p.name),
        ...(slots.when ? { when: slots.when.start } : {}),
      });
      const problem = checkProposedPlan(proposed, specs);
      if (problem) reasoning.push(`The model's plan was not usable (${problem}); I used the template plan.`);
      else {
        steps = proposed.map((p) => ({
          id: p.id,
          action: p.action,
          params: p.params,
          dependsOn: p.dependsOn,
          why: p.why ?? p.action,
        }));
        reasoning.push(`${planner.name} planned the steps; they were checked against the action schemas.`);
      }
    } catch (error) {
      reasoning.push(`The model could not plan (${(error as Error).message}); I used the template plan.`);
    }
  }
  if (ctx.availableActions) steps = withAvailablePlugins(steps, new Set(ctx.availableActions), reasoning);
  if (steps.length === 0 && questions.length === 0) {
    reasoning.push('I understand the request, but no plugin can carry it out yet.');
    return { ...base, people, plan: [], questions, reasoning, status: 'unsupported' };
  }
  const plan = validate(steps, new Set(ctx.autoApprove ?? []), reasoning, specs);
  await checkConstraints(plan, { ...ctx, now }, prefs, questions, reasoning);
  const approvals = plan.filter((s) => s.requiresApproval).length;
  if (plan.length > 0)
    reasoning.push(
      approvals > 0
        ? `${approvals} step${approvals > 1 ? 's' : ''} change things outside Aura and will ask for your approval.`
        : 'Nothing here changes anything outside Aura, so it needs no approval.',
    );
  return {
    ...base,
    people,
    plan: questions.length > 0 ? [] : plan,
    questions,
    reasoning,
    status: questions.length > 0 ? 'needs_input' : 'ready',
  };
}
