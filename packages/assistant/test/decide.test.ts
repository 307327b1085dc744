import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  applyPreferenceNotes,
  CONTEXT_CONFIDENCE_FLOOR,
  type DecisionContext,
  decide,
  type Person,
  Personalisation,
  zoneOffsetMinutes,
} from '../src/index.ts';

// A Tuesday morning.
const now = new Date(2026, 10, 24, 9, 0, 0);
const people: Person[] = [
  { id: 'p-john', name: 'John Appleseed', email: 'john@example.com', relationship: 'colleague' },
  { id: 'p-sarah', name: 'Sarah Connor', email: 'sarah@example.com', relationship: 'manager' },
  { id: 'p-bob', name: 'Bob Stone', relationship: 'friend' },
];
/**
 * The relationships lookup the SDK performs (blind-index search over name, relationship and
 * email, then decryption), over a fixed list. The CLI tests run the real one.
 */
const lookup =
  (list: Person[]): DecisionContext['findPeople'] =>
  async (word) =>
    list.filter((p) =>
      [p.name, p.relationship ?? '', p.email ?? '']
        .join(' ')
        .toLowerCase()
        .split(/[\s@.]+/)
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
    const unsure = await decide('calendar thing maybe', ctx(people, { confidenceThreshold: 0.95 }));
    assert.equal(unsure.status, 'not_sure');
    assert.match(unsure.questions[0] ?? '', /not sure/);
    // Unsure between readings Aura cannot act on either way: it says so instead of asking which.
    const nonsense = await decide('blorp fnargle', ctx());
    assert.equal(nonsense.status, 'unsupported');
    assert.deepEqual(nonsense.questions, []);
    assert.match(nonsense.reasoning.at(-1) ?? '', /I cannot do that yet/);
    // Without the words for it, nothing is cancelled: the calendar is only read.
    const vague = await decide('calendar thing maybe', ctx());
    assert.deepEqual(
      vague.plan.map((s) => s.action),
      ['calendar.list_events'],
    );
    // "cancel it" alone stops; it never cancels "the first" event.
    const stop = await decide('cancel it please', ctx());
    assert.deepEqual(stop.plan, []);
    const joke = await decide('tell me a joke', ctx());
    assert.equal(joke.status, 'unsupported');
  });
});

describe('learning', () => {
  it('a corrected utterance is understood the next time, for that user only', async () => {
    const text = 'put the dentist in for thursday at 10';
    const before = await decide(text, ctx());
    const mine = new Personalisation([{ text: 'Put the dentist in, for Thursday at 10!', intent: 'calendar_set' }]);
    const after = await decide(text, ctx(people, { personalisation: mine }));
    assert.equal(after.intent, 'calendar_set');
    assert.ok(after.reasoning[0]?.includes('You corrected this before'));
    const someoneElse = await decide(text, ctx(people, { personalisation: new Personalisation() }));
    assert.equal(someoneElse.intent, before.intent, 'another user is not affected');
  });

  const twoJohns = [
    ...people,
    { id: 'p-john2', name: 'John Smith', email: 'smith@example.com', relationship: 'brother' },
  ];

  it('a corrected person: "John" means John Smith from then on, in other requests too', async () => {
    const text = 'Schedule a meeting with John tomorrow at 3pm';
    assert.equal((await decide(text, ctx(twoJohns))).status, 'needs_input');
    const me = Personalisation.fromEvents([
      { kind: 'decision', text, output: { intent: 'calendar_set' } },
      { kind: 'feedback', feedback: 'correction', text, output: { slots: { person: 'John Smith' } } },
    ]);
    const again = await decide(text, ctx(twoJohns, { personalisation: me }));
    assert.equal(again.status, 'ready');
    assert.deepEqual(
      again.people.map((p) => p.name),
      ['John Smith'],
    );
    const other = await decide('email John the agenda', ctx(twoJohns, { personalisation: me }));
    assert.deepEqual(other.plan[0]?.params.to, ['smith@example.com']);
    assert.ok(other.reasoning.some((r) => r.includes('by John you mean John Smith')));
  });

  it('relationship importance: the John in accepted plans is offered first', async () => {
    const me = Personalisation.fromEvents([
      { kind: 'feedback', feedback: 'positive', output: { people: ['p-john2'] } },
      { kind: 'feedback', feedback: 'positive', output: { people: ['p-john2'] } },
      { kind: 'feedback', feedback: 'negative', output: { people: ['p-john'] } },
    ]);
    assert.ok(me.importance('p-john2') > me.importance('p-john'));
    const d = await decide('Schedule a meeting with John tomorrow at 3pm', ctx(twoJohns, { personalisation: me }));
    assert.match(d.questions[0] ?? '', /Which John do you mean: John Smith \(brother\) or John Appleseed/);
    const plain = await decide('Schedule a meeting with John tomorrow at 3pm', ctx(twoJohns));
    assert.match(plain.questions[0] ?? '', /Which John do you mean: John Appleseed \(colleague\) or John Smith/);
  });

  it('context confidence: a preference note blamed in rejected plans stops being applied', () => {
    const me = Personalisation.fromEvents([
      { kind: 'feedback', feedback: 'negative', output: { contexts: ['n-long'] } },
      { kind: 'feedback', feedback: 'negative', output: { contexts: ['n-long'] } },
      { kind: 'feedback', feedback: 'positive', output: { contexts: ['n-short'] } },
    ]);
    assert.ok(me.confidence('n-long') < CONTEXT_CONFIDENCE_FLOOR);
    const notes = [
      { id: 'n-short', text: 'meetings are 20 minutes', confidence: me.confidence('n-short') },
      { id: 'n-long', text: 'meetings are 90 minutes', confidence: me.confidence('n-long') },
      { id: 'n-hours', text: 'working hours 8 to 16', confidence: me.confidence('n-hours') },
    ];
    const applied = applyPreferenceNotes(notes);
    assert.equal(applied.preferences.defaultMeetingMinutes, 20);
    assert.deepEqual(applied.ignored, ['n-long']);
    assert.deepEqual(applied.used.sort(), ['n-hours', 'n-short']);
    // With no feedback at all the later note wins.
    assert.equal(applyPreferenceNotes(notes.map(({ text }) => ({ text }))).preferences.defaultMeetingMinutes, 90);
  });
});

describe('constraints', () => {
  const busy = (
    events: { id: string; title: string; start: Date; minutes: number }[],
  ): DecisionContext['calendar'] => ({
    eventsBetween: async (start, end) =>
      events
        .map((e) => ({
          id: e.id,
          title: e.title,
          start: e.start.toISOString(),
          end: new Date(e.start.getTime() + e.minutes * 60_000).toISOString(),
        }))
        .filter((e) => Date.parse(e.start) < Date.parse(end) && Date.parse(e.end) > Date.parse(start)),
  });

  it('a double booking is a question, not a plan; a free slot says so', async () => {
    const dentist = { id: 'e1', title: 'Dentist', start: new Date(2026, 10, 25, 14, 45), minutes: 60 };
    const clash = await decide(
      'Schedule a meeting with John tomorrow at 3pm',
      ctx(people, { calendar: busy([dentist]) }),
    );
    assert.equal(clash.status, 'needs_input');
    assert.deepEqual(clash.plan, []);
    assert.match(clash.questions[0] ?? '', /You already have "Dentist" 14:45–15:45 then/);
    const free = await decide(
      'Schedule a meeting with John tomorrow at 4pm',
      ctx(people, { calendar: busy([dentist]) }),
    );
    assert.equal(free.status, 'ready');
    assert.ok(free.reasoning.some((r) => r.includes('nothing is double-booked')));
  });

  it('a time that has passed is refused', async () => {
    const d = await decide('Schedule a meeting with John yesterday at 3pm', ctx());
    assert.equal(d.status, 'needs_input');
    assert.match(d.questions[0] ?? '', /has already passed/);
  });

  it('times are read in the time zone the user set', async () => {
    const utcNow = new Date(Date.UTC(2026, 10, 24, 12, 0));
    const at = async (timeZone: string) => {
      const d = await decide('Schedule a meeting with John tomorrow at 3pm', {
        ...ctx(),
        now: utcNow,
        preferences: { timeZone },
      });
      assert.ok(d.reasoning.some((r) => r.includes(timeZone)));
      assert.ok(!d.reasoning.some((r) => r.includes('outside your working hours')), timeZone);
      return d.plan[1]?.params.start;
    };
    assert.equal(await at('America/New_York'), '2026-11-25T20:00:00.000Z');
    assert.equal(await at('Asia/Tokyo'), '2026-11-25T06:00:00.000Z');
    assert.equal(zoneOffsetMinutes('Europe/Berlin', new Date(Date.UTC(2026, 6, 1))), 120);
    const day = await decide("what's on my calendar friday", {
      ...ctx(),
      now: utcNow,
      preferences: { timeZone: 'Asia/Tokyo' },
    });
    assert.deepEqual(day.plan[0]?.params, { start: '2026-11-26T15:00:00.000Z', end: '2026-11-27T15:00:00.000Z' });
  });
});

describe('slots from the tagger', () => {
  it('relations, event titles and reminders', async () => {
    const manager = await decide('email my manager the quarterly report', ctx());
    assert.deepEqual(manager.plan[0]?.params.to, ['sarah@example.com']);
    assert.ok(manager.reasoning.includes('Your manager is Sarah Connor.'));
    const dentist = await decide('book a dentist appointment with Bob on friday at 10', ctx());
    assert.equal(dentist.plan[1]?.params.title, 'Dentist appointment with Bob Stone');
    const remind = await decide('remind me to call mom at 5pm', ctx());
    assert.deepEqual(steps(remind), ['reminders.create']);
    assert.equal(remind.plan[0]?.params.text, 'call mom');
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
