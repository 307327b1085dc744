import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { contextOf, evaluate, localOf, parseRequests, type Setup } from '../scripts/request-eval.ts';
import { decide } from '../src/index.ts';

// The world of the issue's examples: a Tuesday morning in New York, the user's people and calendar.
const setup: Setup = {
  now: '2026-11-24T09:00',
  timeZone: 'America/New_York',
  people: [
    { name: 'John Appleseed', email: 'john@example.com', relationship: 'colleague' },
    { name: 'Sarah Connor', email: 'sarah@example.com', relationship: 'manager' },
    { name: 'William Stone', relationship: 'friend' },
    { name: 'Katherine Moss', email: 'kate@example.com', relationship: 'sister' },
  ],
  calendar: [
    {
      title: 'Meeting with John Appleseed',
      start: '2026-11-24T15:00',
      end: '2026-11-24T15:30',
      attendees: ['John Appleseed'],
    },
    {
      title: 'Lunch with Sarah Connor',
      start: '2026-11-25T12:00',
      end: '2026-11-25T13:00',
      attendees: ['Sarah Connor'],
    },
  ],
  plugins: ['calendar', 'email', 'reminders', 'lists', 'contacts'],
};
const ask = (text: string, world: Setup = setup) => decide(text, contextOf(world));
const actions = (d: Awaited<ReturnType<typeof ask>>) =>
  d.plan.map((s) => `${s.action}${s.requiresApproval ? ' [approval]' : ''}`);
const at = (d: Awaited<ReturnType<typeof ask>>, action: string) => {
  const step = d.plan.find((s) => s.action === action);
  const iso = (step?.params.start ?? step?.params.at) as string | undefined;
  return iso ? localOf(iso, setup.timeZone) : null;
};

describe('what people actually say (issue 17)', () => {
  it('"remind me to buy milk" is a to-do: no person asked about, no time asked for', async () => {
    const d = await ask('remind me to buy milk');
    assert.equal(d.status, 'ready');
    assert.deepEqual(actions(d), ['reminders.create']);
    assert.deepEqual(d.plan[0]?.params, { text: 'buy milk', at: null });
    assert.deepEqual(d.questions, []);
  });

  it('verbs and filler words are never people', async () => {
    for (const text of [
      'I need to know how to schedule a meeting',
      'remind me to take the bins out',
      'I want to be reminded to pay the electric bill',
    ]) {
      const d = await ask(text);
      assert.ok(!d.questions.some((q) => /^Who is/.test(q)), `${text}: ${d.questions.join(' ')}`);
    }
  });

  it('an untimed reminder is kept, not questioned', async () => {
    const d = await ask('I want to be reminded to pay the electric bill');
    assert.equal(d.status, 'ready');
    assert.deepEqual(d.plan[0]?.params, { text: 'pay the electric bill', at: null });
  });

  it('"move my 3pm meeting with John to 4pm" moves it to 16:00; push and shift are moves too', async () => {
    const d = await ask('move my 3pm meeting with John to 4pm');
    assert.deepEqual(actions(d), [
      'calendar.find_event',
      'calendar.find_free_time',
      'calendar.update_event [approval]',
    ]);
    assert.equal(at(d, 'calendar.update_event'), '2026-11-24T16:00');
    assert.equal(localOf(d.plan[0]?.params.start as string, setup.timeZone), '2026-11-24T15:00');
    for (const text of ['push my meeting with John to 5pm', 'shift my 3pm with John to 5pm']) {
      const moved = await ask(text);
      assert.ok(actions(moved).includes('calendar.update_event [approval]'), `${text}: ${actions(moved)}`);
      assert.ok(!actions(moved).some((a) => a.startsWith('calendar.create_event')), text);
      assert.equal(at(moved, 'calendar.update_event'), '2026-11-24T17:00', text);
    }
  });

  it('a move keeps what was not said: the day for "to 1pm", the time for "to Friday"; "back an hour" shifts', async () => {
    assert.equal(at(await ask('reschedule lunch with Sarah to 1pm'), 'calendar.update_event'), '2026-11-25T13:00');
    assert.equal(at(await ask('move my lunch with Sarah to Friday'), 'calendar.update_event'), '2026-11-27T12:00');
    assert.equal(at(await ask('push my meeting with John back an hour'), 'calendar.update_event'), '2026-11-24T16:00');
  });

  it('a duration before the day and time is a duration, not "in N minutes"', async () => {
    const d = await ask('schedule a 45 minute meeting with Sarah on Friday at 2pm');
    assert.equal(at(d, 'calendar.create_event'), '2026-11-27T14:00');
    assert.equal(d.plan.find((s) => s.action === 'calendar.create_event')?.params.durationMinutes, 45);
    const hour = await ask('set up an hour-long call with John tomorrow at 10am');
    assert.equal(at(hour, 'calendar.create_event'), '2026-11-25T10:00');
    assert.equal(hour.plan.find((s) => s.action === 'calendar.create_event')?.params.durationMinutes, 60);
  });

  it('a name not among the people is never dropped', async () => {
    const d = await ask('schedule a meeting with Zed and John tomorrow at 3pm');
    assert.equal(d.status, 'needs_input');
    assert.deepEqual(d.plan, []);
    assert.match(d.questions[0] ?? '', /Who is Zed\?/);
  });

  it('a question whether a meeting exists only reads the calendar', async () => {
    for (const text of [
      'is my meeting with John on my calendar',
      'do I have anything with Sarah tomorrow?',
      'when is my lunch with Sarah',
    ]) {
      const d = await ask(text);
      assert.equal(d.status, 'ready', text);
      assert.deepEqual(actions(d), ['calendar.list_events'], text);
    }
    const d = await ask('is my meeting with John on my calendar');
    assert.deepEqual(d.plan[0]?.params.attendees, ['John Appleseed']);
  });

  it('items phrased freely are found; removing from a list is planned', async () => {
    const tack = await ask('tack eggs onto the shopping list');
    assert.deepEqual(actions(tack), ['lists.add_item']);
    assert.deepEqual(tack.plan[0]?.params, { list: 'shopping', item: 'eggs' });
    const two = await ask('put bread and butter on my grocery list');
    assert.deepEqual(
      two.plan.map((s) => s.params.item),
      ['bread', 'butter'],
    );
    const remove = await ask('take the milk off my shopping list');
    assert.deepEqual(actions(remove), ['lists.remove_item']);
    assert.equal(remove.plan[0]?.params.item, 'milk');
  });

  it('"who is NAME" is answered from the user\'s people', async () => {
    const d = await ask('who is Sarah');
    assert.equal(d.status, 'ready');
    assert.deepEqual(actions(d), ['contacts.find']);
    assert.deepEqual(
      d.people.map((p) => p.name),
      ['Sarah Connor'],
    );
  });

  it('a misspelt, shortened or nicknamed name is "Did you mean …?", not a stranger', async () => {
    for (const [text, who] of [
      ['schedule lunch with Jonh tomorrow at noon', 'John Appleseed'],
      ['call with Sarha on friday at 2pm', 'Sarah Connor'],
      ['coffee with Bill on Monday at 10am', 'William Stone'],
      ['dinner with Kate on Friday at 7pm', 'Katherine Moss'],
    ] as const) {
      const d = await ask(text);
      assert.equal(d.status, 'needs_input', text);
      assert.match(d.questions[0] ?? '', new RegExp(`^Did you mean ${who}\\b`), text);
    }
  });

  it('without a mail plugin, email says which command sets it up; the reasoning is grammatical', async () => {
    const d = await ask('email Sarah the notes', { ...setup, plugins: ['calendar', 'reminders', 'lists', 'contacts'] });
    assert.equal(d.status, 'unsupported');
    assert.ok(
      d.reasoning.some((r) => r.includes('aura plugins add email')),
      d.reasoning.join(' | '),
    );
    const one = await ask('email Sarah the notes');
    assert.ok(one.reasoning.includes('1 step changes something outside Aura and will ask for your approval.'));
  });

  it('what exists is changed one event at a time, and only an event the request picks out', async () => {
    const everything = await ask('cancel everything tomorrow');
    assert.deepEqual(everything.plan, []);
    assert.match(everything.questions[0] ?? '', /one event at a time/);
    const nothing = await ask('reschedule it to 4pm');
    assert.deepEqual(nothing.plan, []);
    assert.match(nothing.questions[0] ?? '', /Which event should I move/);
    const two = {
      ...setup,
      calendar: [
        ...setup.calendar,
        { title: 'Lunch with Sarah Connor', start: '2026-11-26T12:00', end: '2026-11-26T13:00' },
      ],
    };
    const which = await ask('cancel my lunch with Sarah', two);
    assert.deepEqual(which.plan, []);
    assert.match(which.questions[0] ?? '', /^Which one do you mean: "Lunch with Sarah Connor" Wed Nov 25 12:00 or/);
    // With the time said, the one at that time; "to tomorrow" keeps the hour.
    const moved = await ask('can we push the 3pm with John to tomorrow');
    assert.equal(at(moved, 'calendar.update_event'), '2026-11-25T15:00');
  });

  it('reminders as people ask for them: a part of the day, a timer, "don\'t forget"', async () => {
    const morning = await ask("don't forget to call the bank tomorrow morning");
    assert.deepEqual(morning.plan[0]?.params.text, 'call the bank');
    assert.equal(at(morning, 'reminders.create'), '2026-11-25T09:00');
    const timer = await ask('set a timer for 10 minutes');
    assert.equal(at(timer, 'reminders.create'), '2026-11-24T09:10');
    const weekly = await ask('remind me every monday at 9am to submit my timesheet');
    assert.equal(weekly.plan[0]?.params.text, 'submit my timesheet');
    assert.ok(weekly.reasoning.some((r) => /do not repeat yet/.test(r)));
  });

  it('sending and asking about people, however it is phrased', async () => {
    const forward = await ask('forward the report to Sarah');
    assert.deepEqual(actions(forward), ['email.send [approval]']);
    assert.equal(forward.plan[0]?.params.subject, 'The report');
    const both = await ask('email John and Sarah about the offsite');
    assert.equal(both.plan[0]?.params.subject, 'The offsite');
    assert.deepEqual(both.plan[0]?.params.to, ['john@example.com', 'sarah@example.com']);
    const search = await ask('search my email for the invoice');
    assert.deepEqual(actions(search), ['email.search']);
    const title = await ask('set up coffee with Mr. Stone on monday at 8am');
    assert.deepEqual(
      title.people.map((p) => p.name),
      ['William Stone'],
    );
    const text = await ask('text Sarah that I am running late');
    assert.equal(text.status, 'unsupported', 'a text message is not an email');
  });

  it('what is not a request plans nothing; "don\'t forget to" still is one', async () => {
    for (const text of [
      "don't book anything with John tomorrow",
      'no need to email Sarah',
      "don't remind me about the dentist",
      'never mind',
      'should I schedule a meeting with John?',
      'I might need to meet Sarah next week',
      'I had lunch with John yesterday',
      'John moved our meeting to 4pm',
    ]) {
      const d = await ask(text);
      assert.deepEqual(d.plan, [], text);
      assert.notEqual(d.status, 'ready', text);
    }
    const still = await ask("don't forget to call mom at 5pm");
    assert.deepEqual(actions(still), ['reminders.create']);
    const both = await ask('i already bought the milk, so take it off the shopping list');
    assert.deepEqual(actions(both), ['lists.remove_item']);
  });

  for (const file of [
    'requests.jsonl',
    'requests-blind.jsonl',
    'requests-blind-2.jsonl',
    'requests-blind-3.jsonl',
    'requests-blind-4.jsonl',
    'requests-blind-5.jsonl',
    'requests-blind-6.jsonl',
    'requests-blind-7.jsonl',
  ])
    it(`the shipped request evaluation ${file} is at least 95% right`, async () => {
      await atLeast95(file);
    });

  async function atLeast95(file: string) {
    const cases = parseRequests(readFileSync(new URL(`../data/${file}`, import.meta.url), 'utf8'));
    // Aura's own file has at least 150 requests (the issue's floor); each blind file at least 100.
    assert.ok(cases.length >= (file === 'requests.jsonl' ? 150 : 100), `${cases.length} requests`);
    const results = await evaluate(cases);
    const wrong = results.filter((r) => r.wrong.length > 0);
    const right = results.length - wrong.length;
    assert.ok(
      right / results.length >= 0.95,
      `${right}/${results.length}:\n${wrong.map((r) => `${r.c.line} ${r.c.expect.text}: ${r.wrong.join('; ')}`).join('\n')}`,
    );
  }

  it('the evaluation file names the line of what it cannot read', () => {
    assert.throws(() => parseRequests('{"text": "ok"}\n{"text": oops}\n'), /^Error: line 2: not JSON/);
    assert.throws(() => parseRequests('{"status": "ready"}\n'), /line 1: a request line needs "text"/);
    assert.throws(() => parseRequests('{"setup": {"now": "tomorrow"}}\n'), /not a local time/);
    assert.throws(
      () => parseRequests('{"text": "x", "approval": "a"}\n'),
      /^Error: line 1: approval: .*expected array/,
    );
    assert.throws(
      () => parseRequests('{"setup": {"people": [{"email": "a@b.c"}]}}\n'),
      /^Error: line 1: people\.0\.name:/,
    );
  });
});
