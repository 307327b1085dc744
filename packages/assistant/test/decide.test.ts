import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { type DecisionContext, decide, type Person } from '../src/index.ts';

// A Tuesday morning.
const now = new Date(2026, 10, 24, 9, 0, 0);
const people: Person[] = [
  { id: 'p-john', name: 'John Appleseed', email: 'john@example.com', relationship: 'colleague' },
  { id: 'p-sarah', name: 'Sarah Connor', email: 'sarah@example.com', relationship: 'manager' },
  { id: 'p-bob', name: 'Bob Stone', relationship: 'friend' },
];
/** The relationships lookup the SDK performs (blind-index search, then decryption), over a fixed list. */
const lookup =
  (list: Person[]): DecisionContext['findPeople'] =>
  async (word) =>
    list.filter((p) =>
      p.name
        .toLowerCase()
        .split(' ')
        .some((part) => part.startsWith(word.toLowerCase())),
    );
const ctx = (list = people, extra: Partial<DecisionContext> = {}): DecisionContext => ({
  now,
  findPeople: lookup(list),
  ...extra,
});
const steps = (d: Awaited<ReturnType<typeof decide>>) =>
  d.plan.map((s) => `${s.action}${s.requiresApproval ? ' [approval]' : ''}`);

describe('decisions', () => {
  it('"Schedule a meeting with John tomorrow at 3pm": free time, event (approval), invitation (approval)', async () => {
    const d = await decide('Schedule a meeting with John tomorrow at 3pm', ctx());
    assert.equal(d.intent, 'calendar_set');
    assert.equal(d.status, 'ready');
    assert.deepEqual(steps(d), [
      'calendar.find_free_time',
      'calendar.create_event [approval]',
      'email.send_invitation [approval]',
    ]);
    const start = new Date(d.plan[1]?.params.start as string);
    assert.deepEqual([start.getDate(), start.getHours(), start.getMinutes()], [25, 15, 0]);
    assert.equal(d.plan[1]?.params.durationMinutes, 30);
    assert.deepEqual(d.plan[2]?.params.to, ['john@example.com']);
    assert.deepEqual(d.plan[2]?.dependsOn, ['s2']);
    assert.ok(d.reasoning.some((r) => r.includes('John Appleseed, your colleague')));
  });

  it('an ambiguous John is a question, not a guess', async () => {
    const two = [...people, { id: 'p-john2', name: 'John Smith', relationship: 'brother' }];
    const d = await decide('Schedule a meeting with John tomorrow at 3pm', ctx(two));
    assert.equal(d.status, 'needs_input');
    assert.deepEqual(d.plan, []);
    assert.match(
      d.questions[0] ?? '',
      /Which John do you mean: John Appleseed \(colleague\) or John Smith \(brother\)\?/,
    );
  });

  it('an unknown person is a question', async () => {
    const d = await decide('Schedule a meeting with Zed tomorrow at 3pm', ctx());
    assert.equal(d.status, 'needs_input');
    assert.match(d.questions[0] ?? '', /Who is Zed\?/);
  });

  it('"what\'s on my calendar friday" is read-only, without approval', async () => {
    const d = await decide("what's on my calendar friday", ctx());
    assert.equal(d.intent, 'calendar_query');
    assert.deepEqual(steps(d), ['calendar.list_events']);
    assert.equal(new Date(d.plan[0]?.params.start as string).getDay(), 5);
  });

  it('cancel, remind, shopping list and email Sarah', async () => {
    const cancel = await decide('cancel my meeting tomorrow', ctx());
    assert.equal(cancel.intent, 'calendar_remove');
    assert.deepEqual(steps(cancel), ['calendar.find_event', 'calendar.delete_event [approval]']);
    const alarm = await decide('wake me up at 6 tomorrow', ctx());
    assert.deepEqual(steps(alarm), ['reminders.create']);
    const list = await decide('add milk to my shopping list', ctx());
    assert.deepEqual(steps(list), ['lists.add_item']);
    assert.deepEqual(list.plan[0]?.params, { list: 'shopping', item: 'milk' });
    const mail = await decide('email sarah the notes', ctx());
    assert.equal(mail.intent, 'email_sendemail');
    assert.deepEqual(steps(mail), ['email.send [approval]']);
    assert.deepEqual(mail.plan[0]?.params.to, ['sarah@example.com']);
  });

  it('a user rule can let an action run without approval; an event for Bob plans no invitation', async () => {
    const d = await decide(
      'set up lunch with Bob tomorrow at 1pm for an hour',
      ctx(people, { autoApprove: ['calendar.create_event'] }),
    );
    assert.deepEqual(steps(d), ['calendar.find_free_time', 'calendar.create_event']);
    assert.equal(d.plan[1]?.params.durationMinutes, 60);
    assert.ok(d.reasoning.some((r) => r.includes('Bob Stone has no email address')));
  });

  it('says it is not sure when the model is not, and names what it cannot do yet', async () => {
    const unsure = await decide('blorp fnargle', ctx(people, { confidenceThreshold: 0.9 }));
    assert.equal(unsure.status, 'not_sure');
    assert.match(unsure.questions[0] ?? '', /not sure/);
    const joke = await decide('tell me a joke', ctx());
    assert.equal(joke.status, 'unsupported');
  });
});

describe('learning', () => {
  it('a corrected utterance is understood the next time, for that user only', async () => {
    const { Corrections } = await import('../src/index.ts');
    const text = 'put the dentist in for thursday at 10';
    const before = await decide(text, ctx());
    const mine = new Corrections([{ text: 'Put the dentist in, for Thursday at 10!', intent: 'calendar_set' }]);
    const after = await decide(text, ctx(people, { corrections: mine }));
    assert.equal(after.intent, 'calendar_set');
    assert.ok(after.reasoning[0]?.includes('You corrected this before'));
    const someoneElse = await decide(text, ctx(people, { corrections: new Corrections() }));
    assert.equal(someoneElse.intent, before.intent, 'another user is not affected');
  });
});

describe('more requests', () => {
  it('reschedule: find the event, check the new time, move it (approval)', async () => {
    const d = await decide('reschedule my meeting with John to friday at 4pm', ctx());
    assert.equal(d.intent, 'calendar_set');
    assert.deepEqual(steps(d), ['calendar.find_event', 'calendar.find_free_time', 'calendar.update_event [approval]']);
    assert.deepEqual(d.plan[2]?.dependsOn, ['s1', 's2']);
    assert.equal(new Date(d.plan[2]?.params.start as string).getHours(), 16);
  });

  it('recurrences and places reach the event', async () => {
    const d = await decide('schedule a standup with Sarah every Monday at 9am at Headquarters', ctx());
    assert.deepEqual(d.plan[1]?.params.recurrence, { frequency: 'weekly', byDay: 'MO' });
    assert.equal(d.plan[1]?.params.location, 'Headquarters');
  });
});

describe("preferences from the user's notes", () => {
  it('working hours and meeting length come from context notes', async () => {
    const { preferencesFromNotes } = await import('../src/index.ts');
    const prefs = preferencesFromNotes([
      'My working hours are 8 to 16',
      'meetings are 45 minutes',
      'time zone Europe/Berlin',
      'time zone Mars/Olympus',
    ]);
    assert.deepEqual(prefs, {
      workingHours: { start: 8, end: 16 },
      defaultMeetingMinutes: 45,
      timeZone: 'Europe/Berlin',
    });
    const { timeZone: _tz, ...preferences } = prefs;
    const d = await decide('Schedule a meeting with John tomorrow at 4pm', ctx(people, { preferences }));
    assert.equal(d.plan[1]?.params.durationMinutes, 45);
    assert.ok(d.reasoning.some((r) => r.includes('outside your working hours (8:00–16:00)')));
  });
});
