// The request evaluation's reading and scoring (its format: data/requests-format.md). The script
// eval-requests.ts prints what this finds; the test requests.test.ts holds the shipped file to it.

import * as z from 'zod';
import { ACTIONS } from '../src/actions.ts';
import type { BusyEvent, CalendarView } from '../src/calendar.ts';
import { type Decision, type DecisionContext, decide, type Person } from '../src/decide.ts';
import { atWallClock, zoneOffsetMinutes } from '../src/zone.ts';

// The file's two kinds of line, checked as they are read: a wrong field names its line.
const SetupLine = z.object({
  now: z.string(),
  timeZone: z.string(),
  people: z.array(
    z.object({ name: z.string().min(1), email: z.string().optional(), relationship: z.string().optional() }),
  ),
  calendar: z.array(
    z.object({ title: z.string(), start: z.string(), end: z.string(), attendees: z.array(z.string()).optional() }),
  ),
  plugins: z.array(z.string()),
});
const RequestLine = z.object({
  text: z.string().trim().min(1),
  status: z.enum(['ready', 'needs_input', 'not_sure', 'unsupported']).optional(),
  family: z.string().optional(),
  approval: z.array(z.string()).optional(),
  people: z.array(z.string()).optional(),
  time: z.string().nullable().optional(),
  durationMinutes: z.number().optional(),
  params: z.record(z.string(), z.unknown()).optional(),
  items: z.array(z.string()).optional(),
  asks: z.string().optional(),
  says: z.string().optional(),
  note: z.string().optional(),
});

export type Setup = z.infer<typeof SetupLine>;
export type Expectation = z.infer<typeof RequestLine>;

export interface Case {
  line: number;
  setup: Setup;
  expect: Expectation;
}

const DEFAULT_SETUP: Setup = {
  now: '2026-11-24T09:00',
  timeZone: 'UTC',
  people: [],
  calendar: [],
  plugins: ['calendar', 'email', 'reminders', 'lists', 'contacts'],
};

const LOCAL = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})$/;

/** The instant of a wall-clock time in a zone. */
export function instantOf(local: string, timeZone: string): Date {
  const m = local.match(LOCAL);
  if (!m) throw new Error(`"${local}" is not a local time YYYY-MM-DDTHH:MM`);
  const [year, month, day, hour, minute] = m.slice(1).map(Number) as [number, number, number, number, number];
  return atWallClock({ year, month, day, hour, minute }, timeZone);
}

/** An instant as wall-clock time in a zone, in the file's form. */
export function localOf(iso: string, timeZone: string): string {
  const at = new Date(iso);
  const shifted = new Date(at.getTime() + zoneOffsetMinutes(timeZone, at) * 60_000);
  return shifted.toISOString().slice(0, 16);
}

/** Reads the file: setup lines change the world for the request lines after them. */
export function parseRequests(content: string): Case[] {
  const cases: Case[] = [];
  let setup = DEFAULT_SETUP;
  for (const [n, raw] of content.split(/\r?\n/).entries()) {
    if (raw.trim() === '') continue;
    let value: unknown;
    try {
      value = JSON.parse(raw);
    } catch (error) {
      throw new Error(`line ${n + 1}: not JSON (${(error as Error).message})`);
    }
    if (typeof value !== 'object' || value === null || Array.isArray(value))
      throw new Error(`line ${n + 1}: expected an object`);
    const wrong = (error: z.ZodError) => {
      const issue = error.issues[0];
      return new Error(`line ${n + 1}: ${issue?.path.join('.') || 'the line'}: ${issue?.message ?? 'not readable'}`);
    };
    if ('setup' in value) {
      const read = SetupLine.partial().safeParse(value.setup);
      if (!read.success) throw wrong(read.error);
      setup = { ...DEFAULT_SETUP, ...read.data };
      instantOf(setup.now, setup.timeZone);
      continue;
    }
    if (!('text' in value) || typeof value.text !== 'string' || value.text.trim() === '')
      throw new Error(`line ${n + 1}: a request line needs "text"`);
    const read = RequestLine.safeParse(value);
    if (!read.success) throw wrong(read.error);
    cases.push({ line: n + 1, setup, expect: read.data });
  }
  return cases;
}

const words = (text: string) =>
  text
    .toLowerCase()
    .split(/[^\p{L}\p{N}]+/u)
    .filter(Boolean);

/** The context decide() gets from a client, over the setup's people and calendar. */
export function contextOf(setup: Setup): DecisionContext {
  const people: Person[] = setup.people.map((p, i) => ({
    id: `person-${i + 1}`,
    name: p.name,
    ...(p.email ? { email: p.email } : {}),
    ...(p.relationship ? { relationship: p.relationship } : {}),
  }));
  const events: BusyEvent[] = setup.calendar.map((e, i) => ({
    id: `event-${i + 1}`,
    title: e.title,
    start: instantOf(e.start, setup.timeZone).toISOString(),
    end: instantOf(e.end, setup.timeZone).toISOString(),
  }));
  const calendar: CalendarView = {
    eventsBetween: async (start, end) =>
      events.filter((e) => Date.parse(e.start) < Date.parse(end) && Date.parse(e.end) > Date.parse(start)),
  };
  const plugins = new Set(setup.plugins);
  return {
    now: instantOf(setup.now, setup.timeZone),
    preferences: { timeZone: setup.timeZone },
    calendar,
    availableActions: ACTIONS.filter((a) => plugins.has(a.name.split('.')[0] ?? '')).map((a) => a.name),
    // As the vault's blind index finds records: a whole word, or a prefix of three letters or more.
    findPeople: async (word) => {
      const w = word.toLowerCase();
      return people.filter((p) =>
        words([p.name, p.relationship ?? '', p.email ?? ''].join(' ')).some(
          (t) => t === w || (w.length >= 3 && t.startsWith(w)),
        ),
      );
    },
    listPeople: async () => people,
  };
}

const same = (a: unknown, b: unknown): boolean =>
  typeof a === 'string' && typeof b === 'string'
    ? a.trim().toLowerCase() === b.trim().toLowerCase()
    : JSON.stringify(a) === JSON.stringify(b);
const sortedLower = (xs: unknown[]) => xs.map((x) => String(x).toLowerCase().trim()).sort();

/** What is wrong with a decision against a line's expectations (nothing: it is right). */
export function check(decision: Decision, c: Case): string[] {
  const e = c.expect;
  const wrong: string[] = [];
  const status = e.status ?? (e.asks ? 'needs_input' : 'ready');
  if (decision.status !== status) wrong.push(`status ${decision.status}, expected ${status}`);
  if (e.asks !== undefined && !(decision.questions[0] ?? '').toLowerCase().includes(e.asks.toLowerCase()))
    wrong.push(`asked ${JSON.stringify(decision.questions[0] ?? null)}, expected it to say "${e.asks}"`);
  if (e.says !== undefined && !decision.reasoning.some((r) => r.toLowerCase().includes(e.says?.toLowerCase() ?? '')))
    wrong.push(`no reasoning says "${e.says}"`);
  if (e.people !== undefined && !same(sortedLower(decision.people.map((p) => p.name)), sortedLower(e.people)))
    wrong.push(`people [${decision.people.map((p) => p.name).join(', ')}], expected [${e.people.join(', ')}]`);
  if (e.approval !== undefined) {
    const marked = decision.plan.filter((s) => s.requiresApproval).map((s) => s.action);
    if (!same(sortedLower(marked), sortedLower(e.approval)))
      wrong.push(`approval [${marked.join(', ')}], expected [${e.approval.join(', ')}]`);
  }
  if (e.family !== undefined) {
    const steps = decision.plan.filter((s) => s.action === e.family);
    const step = steps[0];
    if (!step) {
      if (status === 'ready')
        wrong.push(`no ${e.family} step (plan: ${decision.plan.map((s) => s.action).join(', ')})`);
    } else {
      if (e.time !== undefined) {
        const at = (step.params.start ?? step.params.at ?? null) as string | null;
        const got = at === null ? null : localOf(at, c.setup.timeZone);
        if (got !== e.time) wrong.push(`time ${got}, expected ${e.time}`);
      }
      if (e.durationMinutes !== undefined && step.params.durationMinutes !== e.durationMinutes)
        wrong.push(`duration ${String(step.params.durationMinutes)}, expected ${e.durationMinutes}`);
      for (const [key, value] of Object.entries(e.params ?? {}))
        if (!same(step.params[key] ?? null, value))
          wrong.push(`${key} ${JSON.stringify(step.params[key] ?? null)}, expected ${JSON.stringify(value)}`);
      if (e.items !== undefined) {
        const got = steps.map((s) => s.params.item);
        if (!same(sortedLower(got), sortedLower(e.items)))
          wrong.push(`items [${got.join(', ')}], expected [${e.items.join(', ')}]`);
      }
    }
  }
  return wrong;
}

export interface Result {
  c: Case;
  decision: Decision;
  wrong: string[];
}

export async function evaluate(cases: Case[]): Promise<Result[]> {
  const results: Result[] = [];
  const contexts = new Map<Setup, DecisionContext>();
  for (const c of cases) {
    let ctx = contexts.get(c.setup);
    if (!ctx) {
      ctx = contextOf(c.setup);
      contexts.set(c.setup, ctx);
    }
    const decision = await decide(c.expect.text, ctx);
    results.push({ c, decision, wrong: check(decision, c) });
  }
  return results;
}
