import { ACTIONS, actionByName } from './actions.ts';
import type { Corrections } from './learning.ts';
import { builtinIntentModel } from './nlu/builtin-model.ts';
import { type IntentModel, predict } from './nlu/model.ts';
import type { IntentProvider, PlanningProvider, ProposedStep } from './providers/types.ts';
import { extractSlots, type Slots } from './slots.ts';

/** A person from the user's relationships (decrypted on the client). */
export interface Person {
  id: string;
  name: string;
  email?: string;
  relationship?: string;
}

export interface Preferences {
  defaultMeetingMinutes: number;
  workingHours: { start: number; end: number };
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
  /** This user's corrections, from their encrypted learning events. */
  corrections?: Corrections;
  /** Another intent reader (an LLM endpoint); the builtin model answers when it fails. */
  provider?: IntentProvider;
}

export interface PlanStep {
  id: string;
  action: string;
  params: Record<string, unknown>;
  dependsOn: string[];
  requiresApproval: boolean;
  why: string;
}

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
  for (const word of slots.personWords) {
    const matches = (await ctx.findPeople(word)).filter((p) =>
      p.name
        .toLowerCase()
        .split(/\s+/)
        .some((part) => part === word.toLowerCase() || part.startsWith(word.toLowerCase())),
    );
    if (matches.length === 0) continue;
    const full = slots.mentionedPerson
      ? matches.filter((p) => p.name.toLowerCase().includes(slots.mentionedPerson?.toLowerCase() ?? ''))
      : [];
    const candidates = full.length > 0 ? full : matches;
    if (candidates.length > 1) {
      questions.push(
        `Which ${word} do you mean: ${candidates.map((p) => `${p.name}${p.relationship ? ` (${p.relationship})` : ''}`).join(' or ')}?`,
      );
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

function dayRange(iso: string | undefined, now: Date): { start: string; end: string } {
  const day = iso ? new Date(iso) : now;
  const start = new Date(day);
  start.setHours(0, 0, 0, 0);
  const end = new Date(start);
  end.setDate(end.getDate() + 1);
  return { start: start.toISOString(), end: end.toISOString() };
}

/** Templates per intent: the steps, their dependencies, their parameters. */
function planFor(
  intent: string,
  slots: Slots,
  people: Person[],
  prefs: Preferences,
  questions: string[],
  reasoning: string[],
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
      const hour = new Date(slots.when.start).getHours();
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
        params: dayRange(slots.when?.start, new Date()),
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
          params: { to: [...people.map((p) => p.email ?? p.name), ...slots.emails], subject: null, body: null },
          dependsOn: [],
          why: `email ${[...names, ...slots.emails].join(', ')}`,
        });
      }
      break;
    case 'email_query':
      steps.push({
        id: 's1',
        action: 'email.search',
        params: { from: names, query: null },
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

/** Rejects unknown actions and cycles; marks steps with external side effects for approval. */
/** Checks a model-made plan against the action schemas; returns why it is unusable, or nothing. */
export function checkProposedPlan(steps: ProposedStep[]): string | undefined {
  if (!Array.isArray(steps) || steps.length === 0 || steps.length > 20) return 'it is empty or too long';
  const ids = new Set<string>();
  for (const step of steps) {
    if (typeof step?.id !== 'string' || ids.has(step.id)) return 'its step ids are missing or repeated';
    ids.add(step.id);
    const spec = actionByName.get(step.action);
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
): PlanStep[] {
  const ids = new Set(steps.map((s) => s.id));
  for (const step of steps) {
    if (!actionByName.has(step.action)) throw new Error(`unknown action ${step.action}`);
    for (const d of step.dependsOn) if (!ids.has(d)) throw new Error(`step ${step.id} depends on missing ${d}`);
  }
  const done = new Set<string>();
  while (done.size < steps.length) {
    const ready = steps.filter((s) => !done.has(s.id) && s.dependsOn.every((d) => done.has(d)));
    if (ready.length === 0) throw new Error('the plan has a dependency cycle');
    for (const s of ready) done.add(s.id);
  }
  return steps.map((s) => {
    const external = actionByName.get(s.action)?.externalSideEffects ?? true;
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
  const corrected = ctx.corrections?.intentFor(text);
  const prediction = corrected ? { ...predicted, intent: corrected, confidence: 1 } : predicted;
  const slots = extractSlots(text, now);
  const questions: string[] = [];
  const reasoning: string[] = [
    corrected
      ? `You corrected this before: it means ${corrected.replace('_', ': ')}.`
      : `I read this as ${prediction.intent.replace('_', ': ')} (${Math.round(prediction.confidence * 100)}% sure).`,
  ];
  if (providerNote) reasoning.push(providerNote);
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
  let steps = planFor(prediction.intent, slots, people, prefs, questions, reasoning);
  // A provider that could not even read the request is not asked to plan it.
  const planner =
    providerAnswered && ctx.provider && 'plan' in ctx.provider ? (ctx.provider as PlanningProvider) : undefined;
  if (planner && steps.length > 0 && questions.length === 0) {
    try {
      const proposed = await planner.plan(text, {
        intent: prediction.intent,
        actions: ACTIONS.map((a) => ({ name: a.name, params: a.params })),
        people: people.map((p) => p.name),
        ...(slots.when ? { when: slots.when.start } : {}),
      });
      const problem = checkProposedPlan(proposed);
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
  if (steps.length === 0 && questions.length === 0) {
    reasoning.push('I understand the request, but no plugin can carry it out yet.');
    return { ...base, people, plan: [], questions, reasoning, status: 'unsupported' };
  }
  const plan = validate(steps, new Set(ctx.autoApprove ?? []), reasoning);
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
