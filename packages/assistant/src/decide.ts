import { ACTIONS, type ActionSpec } from './actions.ts';
import type { CalendarView } from './calendar.ts';
import type { Personalisation, SlotCorrection } from './learning.ts';
import { builtinIntentModel } from './nlu/builtin-model.ts';
import { type IntentModel, predict } from './nlu/model.ts';
import { resolvePeople } from './people.ts';
import { withAvailablePlugins } from './planning/availability.ts';
import { checkConstraints } from './planning/constraints.ts';
import { type DraftStep, type Person, type PlanStep, planFor } from './planning/index.ts';
import { checkProposedPlan, validate } from './planning/validate.ts';
import type { Preferences } from './preferences.ts';
import type { IntentProvider, PlanningProvider } from './providers/types.ts';
import { extractSlots, type Slots } from './slots.ts';

export type { BusyEvent, CalendarView } from './calendar.ts';
export type { Person, PlanStep } from './planning/index.ts';
export { checkProposedPlan } from './planning/validate.ts';
export type { Preferences } from './preferences.ts';

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
  const resolved = PEOPLE_INTENTS.has(prediction.intent)
    ? await resolvePeople(slots, ctx.findPeople, me)
    : { people: [], questions: [], reasoning: [] };
  const people = resolved.people;
  questions.push(...resolved.questions);
  reasoning.push(...resolved.reasoning);
  const template = planFor(prediction.intent, { text, slots, people, prefs, now, openQuestions: questions });
  let steps: DraftStep[] = template.steps;
  questions.push(...template.questions);
  reasoning.push(...template.reasoning);
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
  if (ctx.availableActions) {
    const available = withAvailablePlugins(steps, new Set(ctx.availableActions));
    steps = available.steps;
    reasoning.push(...available.reasoning);
  }
  if (steps.length === 0 && questions.length === 0) {
    reasoning.push('I understand the request, but no plugin can carry it out yet.');
    return { ...base, people, plan: [], questions, reasoning, status: 'unsupported' };
  }
  const validated = validate(steps, new Set(ctx.autoApprove ?? []), specs);
  const plan = validated.plan;
  reasoning.push(...validated.reasoning);
  const checked = await checkConstraints(plan, { now, prefs, ...(ctx.calendar ? { calendar: ctx.calendar } : {}) });
  questions.push(...checked.questions);
  reasoning.push(...checked.reasoning);
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
