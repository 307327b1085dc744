import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, it } from 'node:test';
import { waitFor } from '@aura/testing';
import { runAura, serverForCli, startAura } from './support/harness.ts';

const README = readFileSync(new URL('../../../README.md', import.meta.url), 'utf8');
const root = mkdtempSync(join(tmpdir(), 'aura-readme-'));
const home = join(root, 'aura');
// Where `aura setup` puts the agent: the user's Aura home with "-agent" appended.
const agentHome = `${home}-agent`;
// The user service goes under XDG_CONFIG_HOME, here inside the test's folder.
const env = { XDG_CONFIG_HOME: join(root, 'config') };
let agent: ReturnType<typeof startAura> | undefined;
let cli: Awaited<ReturnType<typeof serverForCli>>;

before(async () => {
  cli = await serverForCli();
});
after(async () => {
  agent?.child.kill('SIGTERM');
  await agent?.done;
  await cli?.stop();
  rmSync(root, { recursive: true, force: true });
});

/** Splits a shell line into words, honouring double quotes (all the README uses). */
const words = (line: string) => [...line.matchAll(/"([^"]*)"|(\S+)/g)].map((m) => m[1] ?? m[2] ?? '');

/** The aura command lines of a README section's sh blocks, comments cut. */
function commandLines(heading: string): string[] {
  const section = README.split(`## ${heading}`)[1]?.split('\n## ')[0] ?? '';
  return [...section.matchAll(/```sh\n([\s\S]*?)```/g)]
    .flatMap((m) => (m[1] ?? '').split('\n'))
    .map((l) => l.replace(/\s+#.*$/, '').trim())
    .filter((l) => /^(AURA_HOME=\S+ )?npx aura /.test(l));
}

it("the README's first five minutes, followed once as written, end in one approved meeting", {
  timeout: 240_000,
}, async () => {
  const lines = commandLines('Your first five minutes');
  assert.deepEqual(
    lines.map((l) => words(l.replace(/^AURA_HOME=\S+ /, ''))[2]),
    ['setup', 'people', 'ask', 'agent', 'approve', 'tasks', 'calendar'],
    'the steps are in the README',
  );
  const found: Record<string, string> = {};
  const outputs: Record<string, string> = {};
  for (const line of lines) {
    const where = /^AURA_HOME=(\S+) /.test(line) ? agentHome : home;
    const args = words(line.replace(/^AURA_HOME=\S+ /, ''))
      .slice(2)
      .map((w) => found[w] ?? w);
    // A person answers the prompts (a password twice, "Submit? [Y/n]"); a script says so with flags.
    const answers = args[0] === 'setup' ? ['--yes', '--password-stdin'] : args[0] === 'ask' ? ['--yes'] : [];
    if (args[0] === 'agent') {
      agent = startAura(cli.server.url, where, args, { env });
      await waitFor(
        () => (agent?.errors().includes('Agent connected') ? true : undefined),
        60_000,
        () => agent?.errors() ?? '',
      );
      continue;
    }
    const run = await runAura(cli.server.url, where, [...args, ...answers], {
      stdin: 'readme password 1\nreadme password 1\n',
      env,
    });
    assert.equal(run.code, 0, `${line}\n${run.stdout}\n${run.stderr}`);
    outputs[args[0] ?? ''] = `${run.stdout}${run.stderr}`;
    const task = /Task ([0-9a-f-]{36}) submitted/.exec(run.stdout)?.[1];
    if (task) found.TASK = task;
  }
  assert.match(outputs.setup ?? '', /Registered and logged in as you@example.com/);
  assert.match(outputs.setup ?? '', /Agent: enrolled as device/);
  assert.match(outputs.setup ?? '', /not started; start it with: systemctl --user/);
  assert.ok(existsSync(join(root, 'config/systemd/user/aura-agent.service')), 'setup wrote the user service');
  assert.match(outputs.ask ?? '', /calendar\.create_event {2}\[needs your approval\]/);
  assert.match(outputs.approve ?? '', /Approved step \S+ of task .*calendar\.create_event/);
  assert.match(outputs.tasks ?? '', /completed/);
  assert.match(outputs.calendar ?? '', /Meeting with John Appleseed/);

  // Exactly once: one task, one meeting.
  const tasks = JSON.parse((await runAura(cli.server.url, home, ['--json', 'tasks', 'list'])).stdout);
  assert.equal(tasks.tasks.length, 1, 'one task, not two');
  const events = JSON.parse((await runAura(cli.server.url, home, ['--json', 'calendar', 'list'])).stdout);
  assert.equal(events.length, 1, 'one meeting, not two');

  // Setup again: everything is in place, and nothing is added.
  const again = await runAura(cli.server.url, home, ['setup', '--yes'], { env });
  assert.equal(again.code, 0, again.stderr);
  assert.match(again.stderr, /Account: logged in as you@example.com/);
  assert.match(again.stderr, /Agent: enrolled in /);
  assert.match(again.stderr, /Service: .* is in place/);
  const devices = JSON.parse((await runAura(cli.server.url, home, ['--json', 'device', 'list'])).stdout);
  assert.equal(devices.length, 2, 'no second agent device');
});

it("the README's everyday commands run", { timeout: 120_000 }, async () => {
  const lines = commandLines('Every day');
  assert.ok(lines.length >= 5, 'the everyday commands are in the README');
  for (const line of lines) {
    // chat reads its conversation from stdin: an empty one ends it at once.
    const run = await runAura(cli.server.url, home, words(line).slice(2), { stdin: '', env });
    assert.equal(run.code, 0, `${line}\n${run.stdout}\n${run.stderr}`);
  }
});
