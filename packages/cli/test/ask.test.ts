import assert from 'node:assert/strict';
import { it } from 'node:test';
import { dumpDatabase, forms } from '@aura/testing';
import { cliSuite, runAura } from './support/harness.ts';

const suite = cliSuite('ask', { AURA_RATE_LIMIT_DEFAULT: '10000' });
const { home, aura } = suite;

it('aura ask "Schedule a meeting with John tomorrow at 3pm" plans it with the right approval marks', {
  timeout: 120_000,
}, async () => {
  await aura(['register', '--email', `ask-${Date.now()}@example.com`, '--password-stdin'], 'ask pw 123\nask pw 123\n');
  await aura(['people', 'add', 'John Appleseed', '--relationship', 'colleague', '--email', 'john@example.com']);
  await aura(['context', 'add', 'meetings are 45 minutes', '--type', 'preference']);
  const decision = JSON.parse(
    await aura(['--json', 'ask', '--dry-run', 'Schedule a meeting with John tomorrow at 3pm']),
  );
  assert.equal(decision.taskId, null, '--dry-run submits nothing');
  assert.equal(decision.intent, 'calendar_set');
  assert.deepEqual(
    decision.plan.map((s: { action: string; requiresApproval: boolean; status: string }) => [
      s.action,
      s.requiresApproval,
      s.status,
    ]),
    [
      ['calendar.find_free_time', false, 'planned'],
      ['calendar.create_event', true, 'planned'],
    ],
  );
  // No mail plugin is enabled on a fresh install: the invitation is left out, and it says so.
  assert.ok(decision.reasoning.some((r: string) => /No email plugin is enabled, so I will not invite John/.test(r)));
  assert.equal(decision.plan[1].params.durationMinutes, 45, 'the preference note was applied');
  const human = await aura(['ask', '--dry-run', 'Schedule a meeting with John tomorrow at 3pm']);
  assert.match(human, /Intent: calendar_set/);
  assert.match(human, /calendar\.create_event {2}\[needs your approval\]/);

  // Learning: a misunderstood request, corrected once, is understood the next time.
  const odd = 'put the dentist in for thursday at 10';
  const first = JSON.parse(await aura(['--json', 'ask', odd]));
  const target = first.intent === 'calendar_set' ? 'alarm_set' : 'calendar_set';
  await aura(['feedback', first.decisionId, '--correct-intent', target]);
  const again = JSON.parse(await aura(['--json', 'ask', odd]));
  assert.equal(again.intent, target);
  assert.match(again.reasoning[0], /You corrected this before/);
});

it('the local calendar: a double booking is a question; a slot correction sticks; feedback moves preferences', {
  timeout: 120_000,
}, async () => {
  // Runs after the first test, as the same user (John Appleseed, "meetings are 45 minutes").
  await aura(['people', 'add', 'John Smith', '--relationship', 'brother', '--email', 'smith@example.com']);
  const ambiguous = JSON.parse(await aura(['--json', 'ask', 'Schedule a meeting with John tomorrow at 11am']));
  assert.equal(ambiguous.status, 'needs_input');
  assert.match(ambiguous.questions[0], /Which John/);
  await aura(['feedback', ambiguous.decisionId, '--correct-slot', 'person=John Smith']);
  const meant = JSON.parse(await aura(['--json', 'ask', 'Schedule a meeting with John tomorrow at 11am']));
  assert.deepEqual(
    meant.people.map((p: { name: string }) => p.name),
    ['John Smith'],
  );

  const added = JSON.parse(
    await aura(['--json', 'calendar', 'add', 'Dentist', '--at', 'tomorrow at 10:30am', '--minutes', '60']),
  );
  const listed = JSON.parse(await aura(['--json', 'calendar', 'list']));
  assert.deepEqual(
    listed.map((e: { id: string; title: string }) => [e.id, e.title]),
    [[added.id, 'Dentist']],
  );
  assert.match(await aura(['calendar', 'export']), /BEGIN:VEVENT[\s\S]*SUMMARY:Dentist/);
  const clash = JSON.parse(await aura(['--json', 'ask', 'Schedule a meeting with John tomorrow at 11am']));
  assert.equal(clash.status, 'needs_input');
  assert.match(clash.questions.join(' '), /You already have "Dentist"/);

  // Rejecting plans that used the 45-minute note twice stops it being applied.
  for (let i = 0; i < 2; i++) {
    const d = JSON.parse(await aura(['--json', 'ask', 'Schedule a meeting with John Appleseed on friday at 2pm']));
    assert.equal(d.plan[1].params.durationMinutes, 45);
    await aura(['feedback', d.decisionId, '--reject']);
  }
  const after = JSON.parse(await aura(['--json', 'ask', 'Schedule a meeting with John Appleseed on friday at 2pm']));
  assert.equal(after.plan[1].params.durationMinutes, 30, "the default again: the note lost the user's confidence");

  // Event titles, corrections and utterances are ciphertext on the server: not in its database,
  // its logs or its metrics.
  const metrics = await (await fetch(`${suite.cli.server.url}/metrics`)).text();
  const dump = `${await dumpDatabase(suite.cli.db.url)}\n${suite.cli.server.output()}\n${metrics}`;
  assert.match(metrics, /^# HELP /m, 'the metrics are real');
  for (const secret of ['Dentist', 'Schedule a meeting', 'John Smith', 'put the dentist in'])
    for (const form of forms(secret)) assert.ok(!dump.includes(form), `the server holds "${secret}"`);

  const bad = await runAura(suite.cli.server.url, home, ['feedback', after.decisionId, '--correct-slot', 'colour=red']);
  assert.equal(bad.code, 2);
  assert.match(bad.stderr, /KEY one of person, title, place, when/);
});

it('aura ask as people say it: a to-do, a near name, a question that only reads; aura reminders keeps the to-dos', {
  timeout: 120_000,
}, async () => {
  // Runs after the tests above, as the same user (John Appleseed and John Smith).
  const todo = JSON.parse(await aura(['--json', 'ask', '--dry-run', 'remind me to buy oat milk']));
  assert.equal(todo.status, 'ready');
  assert.deepEqual(
    todo.plan.map((s: { action: string; params: Record<string, unknown> }) => [s.action, s.params]),
    [['reminders.create', { text: 'buy oat milk', at: null }]],
  );
  // A typo of a name the user has: the vault's people are searched on this device for a near match.
  const typo = JSON.parse(await aura(['--json', 'ask', '--dry-run', 'lunch with Appleseeed on friday at noon']));
  assert.equal(typo.status, 'needs_input');
  assert.match(typo.questions[0], /^Did you mean John Appleseed/);
  const exists = JSON.parse(await aura(['--json', 'ask', '--dry-run', 'is my dentist appointment on my calendar?']));
  assert.deepEqual(
    exists.plan.map((s: { action: string; requiresApproval: boolean }) => [s.action, s.requiresApproval]),
    [['calendar.list_events', false]],
  );

  const added = JSON.parse(await aura(['--json', 'reminders', 'add', 'water', 'the', 'plants']));
  assert.equal(added.at, null);
  const timed = JSON.parse(await aura(['--json', 'reminders', 'add', 'call mom', '--at', 'tomorrow at 5pm']));
  assert.ok(Date.parse(timed.at) > Date.now());
  const open = JSON.parse(await aura(['--json', 'reminders', 'list']));
  assert.deepEqual(
    open.map((r: { text: string; at: string | null }) => [r.text, r.at === null]),
    [
      ['call mom', false],
      ['water the plants', true],
    ],
  );
  await aura(['reminders', 'done', added.id]);
  const left = JSON.parse(await aura(['--json', 'reminders', 'list']));
  assert.deepEqual(
    left.map((r: { text: string }) => r.text),
    ['call mom'],
  );
  assert.equal(JSON.parse(await aura(['--json', 'reminders', 'list', '--all'])).length, 2);
  const wrong = await runAura(suite.cli.server.url, home, ['reminders', 'add', 'x', '--at', 'when pigs fly']);
  assert.equal(wrong.code, 2);
  assert.match(wrong.stderr, /cannot read "when pigs fly" as a time/);
});
