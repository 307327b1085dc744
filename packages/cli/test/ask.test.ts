import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, it } from 'node:test';
import { runAura, serverForCli } from './support/harness.ts';

const home = mkdtempSync(join(tmpdir(), 'aura-ask-'));
let cli: Awaited<ReturnType<typeof serverForCli>>;

before(async () => {
  cli = await serverForCli();
});
after(async () => {
  await cli?.stop();
  rmSync(home, { recursive: true, force: true });
});

async function aura(args: string[], stdin = '') {
  const run = await runAura(cli.server.url, home, args, { stdin });
  assert.equal(run.code, 0, `aura ${args.join(' ')}: ${run.stderr}`);
  return run.stdout;
}

it('aura ask "Schedule a meeting with John tomorrow at 3pm" plans it with the right approval marks', {
  timeout: 120_000,
}, async () => {
  await aura(['register', '--email', `ask-${Date.now()}@example.com`, '--password-stdin'], 'ask pw 123\nask pw 123\n');
  await aura(['people', 'add', 'John Appleseed', '--relationship', 'colleague', '--email', 'john@example.com']);
  await aura(['context', 'add', 'meetings are 45 minutes', '--type', 'preference']);
  const decision = JSON.parse(await aura(['--json', 'ask', 'Schedule a meeting with John tomorrow at 3pm']));
  assert.equal(decision.taskId, null);
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
      ['email.send_invitation', true, 'planned'],
    ],
  );
  assert.deepEqual(decision.plan[2].params.to, ['john@example.com']);
  assert.equal(decision.plan[1].params.durationMinutes, 45, 'the preference note was applied');
  const human = await aura(['ask', 'Schedule a meeting with John tomorrow at 3pm']);
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
