import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, it } from 'node:test';
import { runAura, serverForCli } from './support/harness.ts';

// The server as `npm start` runs it, with its default rate limits: a person's heaviest ordinary
// use must never meet them (issue 15: twenty asks in a minute).

const home = mkdtempSync(join(tmpdir(), 'aura-ask-limits-'));
let cli: Awaited<ReturnType<typeof serverForCli>>;

before(async () => {
  cli = await serverForCli();
});
after(async () => {
  await cli?.stop();
  rmSync(home, { recursive: true, force: true });
});

/** Requests the server has answered, by its own counter. */
async function answered(): Promise<number> {
  const text = await (await fetch(`${cli.server.url}/metrics`)).text();
  return text
    .split('\n')
    .filter((line) => line.startsWith('aura_requests_total{'))
    .reduce((sum, line) => sum + Number(line.split(' ').at(-1)), 0);
}

it('twenty `aura ask` within a minute by one user, at the default limits: none is limited', {
  timeout: 180_000,
}, async (t) => {
  const aura = async (args: string[], stdin = '') => {
    const run = await runAura(cli.server.url, home, args, { stdin });
    assert.equal(run.code, 0, `aura ${args.join(' ')}: ${run.stderr}`);
    assert.doesNotMatch(run.stderr, /RATE_LIMITED|too many requests/i);
    return run.stdout;
  };
  await aura(
    ['register', '--email', `limits-${Date.now()}@example.com`, '--password-stdin'],
    'limits pw 1\nlimits pw 1\n',
  );
  await aura(['people', 'add', 'John Appleseed', '--relationship', 'colleague', '--email', 'john@example.com']);
  const before = await answered();
  const started = Date.now();
  for (let i = 0; i < 20; i++) {
    const decision = JSON.parse(
      await aura(['--json', 'ask', `Schedule a meeting with John tomorrow at ${1 + (i % 11)}pm`]),
    );
    assert.ok(decision.taskId, `ask ${i + 1} submitted its task`);
  }
  const seconds = (Date.now() - started) / 1000;
  // The asks must fall within one window of the limit for the test to mean anything.
  assert.ok(seconds < 60, `twenty asks took ${seconds} s, more than the limit's minute`);
  t.diagnostic(`20 asks in ${seconds.toFixed(1)} s made ${(await answered()) - before - 1} requests`);
});
