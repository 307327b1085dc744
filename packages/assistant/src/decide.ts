import { ACTIONS, type ActionSpec } from './actions.ts';
import type { BusyEvent, CalendarView } from './calendar.ts';
import type { Personalisation, SlotCorrection } from './learning.ts';
import { builtinIntentModel } from './nlu/builtin-model.ts';
import { type IntentModel, type Prediction, predict } from './nlu/model.ts';
import { resolvePeople } from './people.ts';
import { missingPlugin, withAvailablePlugins } from './planning/availability.ts';
import { clock } from './planning/clock.ts';
import { checkConstraints } from './planning/constraints.ts';
import { completeMove, findExisting } from './planning/existing.ts';
import { type DraftStep, type Person, PLANNERS, type PlanStep, planFor } from './planning/index.ts';
import { checkProposedPlan, validate } from './planning/validate.ts';
import type { Preferences } from './preferences.ts';
import type { IntentProvider, PlanningProvider } from './providers/types.ts';
import { asksAboutWhatExists, CANCEL_WORDS, REMINDER, route } from './routing.ts';
import { extractSlots, type Slots } from './slots.ts';

const HOW_TO = /\b(?:how (?:do|can|could|would|should) (?:i|you|we)|how to|is it possible to)\b/i;
/** What to say instead, per intent, when asked how. */
const EXAMPLES: Record<string, string> = {
  calendar_set: 'schedule a meeting with John tomorrow at 3pm',
  lists_createoradd: 'add milk to my shopping list',
  email_sendemail: 'email Sarah the notes',
  alarm_set: 'remind me at 5pm to call mom',
};
/** Where Aura itself does what was asked, another way: the command to use instead. */
const INSTEAD: Record<string, string> = {
  general_negate: 'So I plan nothing.',
  general_commandstop: 'So I stop: nothing is planned.',
  general_quirky:
    'I plan nothing for it. To have something done, say it, for example "schedule a meeting with John tomorrow at 3pm".',
  email_addcontact:
    'I do not add people from a request yet: "aura people add NAME --email ADDRESS" does (or the People screen of the dashboard).',
  alarm_remove:
    'I do not cancel reminders from a request yet: "aura reminders" lists them and "aura reminders done ID" ticks one off.',
  lists_createoradd: 'Say what to add and to which list, for example "add milk to my shopping list".',
  messaging_send:
    'No plugin sends text messages or makes calls yet; an email can be sent instead ("email NAME …"), with a mail plugin ("aura plugins add email").',
};

/** The plugin each plannable intent needs. */
const INTENT_PLUGIN: Record<string, string> = {
  calendar_query: 'calendar',
  calendar_remove: 'calendar',
  alarm_set: 'reminders',
  alarm_query: 'reminders',
  lists_createoradd: 'lists',
  lists_query: 'lists',
  lists_remove: 'lists',
  email_sendemail: 'email',
  email_query: 'email',
  email_querycontact: 'contacts',
};

function readOnce(calendar: CalendarView): CalendarView {
  const reads = new Map<string, Promise<BusyEvent[]>>();
  return {
    eventsBetween: (start, end) => {
      const key = `${start}|${end}`;
      let read = reads.get(key);
      if (!read) {
        read = calendar.eventsBetween(start, end);
        reads.set(key, read);
      }
      return read;
    },
  };
}

/** How sure a reading is that the request's own words decided (a question, a list verb). */
const RULE_CONFIDENCE = 0.9;

export type { BusyEvent, CalendarView } from './calendar.ts';
export type { Person, PlanStep } from './planning/index.ts';
export { checkProposedPlan } from './planning/validate.ts';
export type { Preferences } from './preferences.ts';

export interface DecisionContext {
  now?: Date;
  /** Relationships holding this word (blind-index search, then decryption, on the client). */
  findPeople: (word: string) => Promise<Person[]>;
  /** All of the user's people, for "Did you mean …?" when a name is misspelt (read only then). */
  listPeople?: () => Promise<Person[]>;
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
  /** The user's notes retrieved for this request: a planning model gets them in its prompt. */
  notes?: { id: string; text: string }[];
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
  /** The notes retrieved for the request (by understand), most relevant first. */
  retrieved?: { id: string; text: string; confidence: number }[];
  /** The model whose prompt held them, when one did. */
  contextSentTo?: string;
}

const DEFAULTS: Preferences = { defaultMeetingMinutes: 30, workingHours: { start: 9, end: 17 } };
const PEOPLE_INTENTS = new Set([
  'calendar_set',
  'calendar_query',
  'calendar_remove',
  'email_sendemail',
  'email_querycontact',
  'email_query',
]);

/** What the user said a slot is, over what was read from the words. */
function applySlotCorrection(slots: Slots, fix: SlotCorrection, now: Date, timeZone?: string) {
  if (fix.person) {
    slots.mentionedPerson = fix.person;
    slots.names = [{ text: fix.person, strength: 'named', start: 0, end: 0 }];
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
  const builtin = () => ctx.model ?? builtinIntentModel();
  const slots = extractSlots(text, now, prefs.timeZone);
  // The model reads the request with its day words spelt out ("tmrw" is "tomorrow"). A provider
  // of the same family that ranks the intents itself (the HE path) stands in for it: the builtin
  // model is then read only if that provider fails, so a small device need not run it.
  const ranksItself = ctx.provider?.readsSpeltOut === true;
  let predicted: Prediction | undefined = ranksItself ? undefined : predict(builtin(), slots.text);
  let providerNote: string | undefined;
  let providerAnswered = false;
  if (ctx.provider) {
    try {
      const answer = await ctx.provider.classify(ranksItself ? slots.text : text, ranksItself ? [] : builtin().intents);
      predicted = {
        ranked: predicted?.ranked ?? answer.ranked ?? [{ intent: answer.intent, probability: answer.confidence }],
        intent: answer.intent,
        confidence: answer.confidence,
      };
      providerNote = `${ctx.provider.name} read the request.`;
      providerAnswered = true;
    } catch (error) {
      providerNote = `${ctx.provider.name} failed (${(error as Error).message}); the builtin model answered instead.`;
    }
  }
  predicted ??= predict(builtin(), slots.text);
  const me = ctx.personalisation;
  const specs = new Map<string, ActionSpec>(
    [...ACTIONS, ...(ctx.actionSpecs ?? [])]
      .filter((a) => !ctx.availableActions || ctx.availableActions.includes(a.name))
      .map((a) => [a.name, a]),
  );
  const corrected = me?.intentFor(text);
  // The words overrule the model where they say what act is meant (a question only reads).
  const routed = corrected
    ? { intent: corrected }
    : route(predicted.intent, slots.text, slots, (i) => Object.hasOwn(PLANNERS, i));
  if ('todo' in routed && routed.todo) slots.todo = true;
  const prediction = corrected
    ? { ...predicted, intent: corrected, confidence: 1 }
    : routed.why
      ? {
          ...predicted,
          intent: routed.intent,
          confidence:
            routed.intent === predicted.intent ? Math.max(predicted.confidence, RULE_CONFIDENCE) : RULE_CONFIDENCE,
        }
      : predicted;
  const questions: string[] = [];
  const reasoning: string[] = [
    corrected
      ? `You corrected this before: it means ${corrected.replace('_', ': ')}.`
      : routed.why && routed.intent !== predicted.intent
        ? `I read this as ${prediction.intent.replace('_', ': ')}: ${routed.why} (the model read ${predicted.intent.replace('_', ': ')}).`
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
  // "cancel yoga", "when is the parent-teacher conference": read by the model as something it
  // cannot do, or not read at all, but the words name an event in the calendar: about that event.
  const threshold = ctx.confidenceThreshold ?? 0.35;
  // One read of each range per decision: naming an event and then planning for it look at the
  // same days, and a calendar read decrypts the vault's events (or asks a CalDAV server).
  const calendar = ctx.calendar ? readOnce(ctx.calendar) : undefined;
  if (
    calendar &&
    slots.subject &&
    !corrected &&
    // A rule that read the words ("should I cancel…?", "do not cancel…") is not overruled here.
    !routed.why &&
    (!Object.hasOwn(PLANNERS, prediction.intent) || prediction.confidence < threshold)
  ) {
    const act = CANCEL_WORDS.test(slots.text)
      ? 'calendar_remove'
      : slots.reschedule
        ? 'calendar_set'
        : asksAboutWhatExists(slots.text)
          ? 'calendar_query'
          : undefined;
    if (act && (await findExisting(calendar, slots, [], now, prefs.timeZone)).event) {
      reasoning[0] = `I read this as ${act.replace('_', ': ')}: "${slots.subject}" is in your calendar (the model read ${predicted.intent.replace('_', ': ')}).`;
      prediction.intent = act;
      prediction.confidence = Math.max(prediction.confidence, RULE_CONFIDENCE);
      base.intent = act;
      base.confidence = prediction.confidence;
    }
  }
  if (prediction.confidence < threshold) {
    const top = prediction.ranked.slice(0, 2);
    // Not sure between things Aura cannot do anyway: say that, not "is it A or B?".
    if (top.every((r) => !Object.hasOwn(PLANNERS, r.intent))) {
      reasoning.push(
        `I cannot do that yet: it reads like ${top.map((r) => r.intent.replace('_', ': ')).join(' or ')}, and no plugin does either.`,
      );
      return { ...base, people: [], plan: [], questions: [], reasoning, status: 'unsupported' };
    }
    const options = top.map((r) => r.intent.replace('_', ': ')).join(' or ');
    return {
      ...base,
      people: [],
      plan: [],
      questions: [`I am not sure what you mean. Is it ${options}?`],
      reasoning,
      status: 'not_sure',
    };
  }
  // "how do I schedule a meeting": a question about Aura, not a request to do it.
  if (HOW_TO.test(slots.text) && !slots.when && slots.names.length === 0) {
    reasoning.push(
      `That asks how to do it: say what you want done, for example "${EXAMPLES[prediction.intent] ?? 'schedule a meeting with John tomorrow at 3pm'}".`,
    );
    return { ...base, people: [], plan: [], questions: [], reasoning, status: 'unsupported' };
  }
  // A plugin the plan needs is not there: say which, before asking anything about the request.
  const needed = INTENT_PLUGIN[prediction.intent];
  if (ctx.availableActions && needed && !ctx.availableActions.some((a) => a.startsWith(`${needed}.`))) {
    reasoning.push(missingPlugin(needed));
    return { ...base, people: [], plan: [], questions: [], reasoning, status: 'unsupported' };
  }
  // A reminder's words are its text ("remind me to call John"): nobody is asked about.
  const isReminder = prediction.intent === 'calendar_set' && (REMINDER.test(slots.text) || slots.todo === true);
  const resolved =
    PEOPLE_INTENTS.has(prediction.intent) && !isReminder
      ? await resolvePeople(
          slots.names,
          { findPeople: ctx.findPeople, ...(ctx.listPeople ? { listPeople: ctx.listPeople } : {}) },
          me,
          { strangersAsText: prediction.intent === 'email_query' },
        )
      : { people: [], questions: [], reasoning: [], strangers: [] };
  if (resolved.strangers.length > 0) slots.query = resolved.strangers.join(' ');
  const people = resolved.people;
  questions.push(...resolved.questions);
  reasoning.push(...resolved.reasoning);
  // A move or a cancel is about an event that exists: find it now, to plan with its day and time.
  let planSlots = slots;
  const aboutExisting =
    (prediction.intent === 'calendar_set' && slots.reschedule && !isReminder) ||
    prediction.intent === 'calendar_remove';
  if (aboutExisting && calendar && questions.length === 0) {
    const { event, matches } = await findExisting(calendar, slots, people, now, prefs.timeZone);
    const candidates = matches.length;
    // Changing one of several is a question: "cancel my meeting tomorrow" with two meetings.
    if (candidates > 1 && matches.length <= 5 && !slots.from && prediction.intent !== 'calendar_query')
      questions.push(
        `Which one do you mean: ${matches
          .map((e) => `"${e.title}" ${new Date(e.start).toDateString().slice(0, 10)} ${clock(e.start, prefs.timeZone)}`)
          .join(' or ')}?`,
      );
    else if (event) {
      const completed = prediction.intent === 'calendar_set' ? completeMove(slots, event, prefs.timeZone) : undefined;
      // A cancel names the event by its title and start, so the step deletes that one; a
      // question reads the days asked about, for that event.
      planSlots =
        prediction.intent === 'calendar_query'
          ? { ...slots, title: slots.subject ?? slots.title }
          : {
              ...(completed?.slots ?? { ...slots, when: { text: slots.when?.text ?? 'then', start: event.start } }),
              title: event.title,
            };
      reasoning.push(
        completed?.reasoning ?? `That is "${event.title}", ${new Date(event.start).toDateString()}.`,
        ...(candidates > 1 && prediction.intent !== 'calendar_query'
          ? [`${candidates} events match; this is the first of them at that time.`]
          : []),
      );
    } else if (prediction.intent !== 'calendar_query')
      reasoning.push('I did not find that event in your calendar now; the step looks for it again when it runs.');
  }
  const template = planFor(prediction.intent, {
    text: slots.text,
    slots: planSlots,
    people,
    prefs,
    now,
    openQuestions: questions,
  });
  let steps: DraftStep[] = template.steps;
  questions.push(...template.questions);
  reasoning.push(...template.reasoning);
  // A provider that could not even read the request is not asked to plan it.
  const planner =
    providerAnswered && ctx.provider && 'plan' in ctx.provider ? (ctx.provider as PlanningProvider) : undefined;
  let contextSentTo: string | undefined;
  if (planner && steps.length > 0 && questions.length === 0) {
    const notes = ctx.notes?.map((n) => n.text) ?? [];
    // Recorded before the call: the notes left the device even if the answer is not usable.
    if (notes.length > 0) contextSentTo = planner.name;
    try {
      const proposed = await planner.plan(text, {
        intent: prediction.intent,
        actions: [...specs.values()].map((a) => ({ name: a.name, params: a.params })),
        people: people.map((p) => p.name),
        ...(slots.when ? { when: slots.when.start } : {}),
        ...(notes.length > 0 ? { notes } : {}),
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
    reasoning.push(
      Object.hasOwn(PLANNERS, prediction.intent)
        ? 'I understand the request, but no plugin can carry it out yet.'
        : (INSTEAD[prediction.intent] ??
            `I cannot do that yet: no plugin offers ${prediction.intent.replace('_', ': ')}. A tool server that does can be added with "aura plugins add mcp --name NAME --command CMD".`),
    );
    return {
      ...base,
      people,
      plan: [],
      questions,
      reasoning,
      status: 'unsupported',
      ...(contextSentTo ? { contextSentTo } : {}),
    };
  }
  const validated = validate(steps, new Set(ctx.autoApprove ?? []), specs);
  const plan = validated.plan;
  reasoning.push(...validated.reasoning);
  const checked = await checkConstraints(plan, { now, prefs, ...(calendar ? { calendar } : {}) });
  questions.push(...checked.questions);
  reasoning.push(...checked.reasoning);
  const approvals = plan.filter((s) => s.requiresApproval).length;
  if (plan.length > 0)
    reasoning.push(
      approvals > 0
        ? approvals > 1
          ? `${approvals} steps change things outside Aura and will ask for your approval.`
          : '1 step changes something outside Aura and will ask for your approval.'
        : 'Nothing here changes anything outside Aura, so it needs no approval.',
    );
  return {
    ...base,
    people,
    plan: questions.length > 0 ? [] : plan,
    questions,
    reasoning,
    status: questions.length > 0 ? 'needs_input' : 'ready',
    ...(contextSentTo ? { contextSentTo } : {}),
  };
}
