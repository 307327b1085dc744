import assert from 'node:assert/strict';
import { readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { it } from 'node:test';
import { cliSuite } from './support/harness.ts';

// aura ask --he: the intent read by the server from encrypted features, the same plan as the
// builtin path, and the reasoning saying which path answered.

const suite = cliSuite('ask-he', { AURA_RATE_LIMIT_DEFAULT: '10000' });
const { home, aura } = suite;

it('aura ask --he "Schedule a meeting with John tomorrow at 3pm" gives the plan of aura ask', {
  timeout: 120_000,
}, async () => {
  const request = 'Schedule a meeting with John tomorrow at 3pm';
  await aura(
    ['register', '--email', `ask-he-${Date.now()}@example.com`, '--password-stdin'],
    'he pw 1234\nhe pw 1234\n',
  );
  await aura(['people', 'add', 'John Appleseed', '--relationship', 'colleague', '--email', 'john@example.com']);
  const plain = JSON.parse(await aura(['--json', 'ask', '--dry-run', request]));
  const he = JSON.parse(await aura(['--json', 'ask', '--dry-run', '--he', request]));
  assert.equal(he.intent, 'calendar_set');
  assert.equal(he.intent, plain.intent);
  const steps = (d: { plan: { action: string; requiresApproval: boolean; params: unknown }[] }) =>
    d.plan.map((s) => [s.action, s.requiresApproval, s.params]);
  assert.deepEqual(steps(he), steps(plain));
  assert.ok(
    he.reasoning.some((r: string) => /encrypted intent model .* read the request/.test(r)),
    he.reasoning,
  );
  assert.ok(!plain.reasoning.some((r: string) => /encrypted intent model/.test(r)));
  // The key was made once, kept beside the state, readable by its owner only.
  const keys = join(home, 'he-keys.json');
  assert.equal(statSync(keys).mode & 0o777, 0o600);
  const { keySetId } = JSON.parse(readFileSync(keys, 'utf8'));
  await aura(['--json', 'ask', '--dry-run', '--he', 'remind me to buy milk']);
  assert.equal(JSON.parse(readFileSync(keys, 'utf8')).keySetId, keySetId, 'no second key set');
});
