import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, it } from 'node:test';
import { waitFor } from '@aura/testing';
import { runAura, serverForCli, startAura } from './support/harness.ts';

const README = readFileSync(new URL('../../../README.md', import.meta.url), 'utf8');
const home = mkdtempSync(join(tmpdir(), 'aura-readme-'));
const agentHome = mkdtempSync(join(tmpdir(), 'aura-readme-agent-'));
let agent: ReturnType<typeof startAura> | undefined;
let cli: Awaited<ReturnType<typeof serverForCli>>;

before(async () => {
  cli = await serverForCli();
});
after(async () => {
  agent?.child.kill('SIGTERM');
  await agent?.done;
  await cli?.stop();
  rmSync(home, { recursive: true, force: true });
  rmSync(agentHome, { recursive: true, force: true });
});

/** Splits a shell line into words, honouring double quotes (all the README uses). */
const words = (line: string) => [...line.matchAll(/"([^"]*)"|(\S+)/g)].map((m) => m[1] ?? m[2] ?? '');

it("the README's command-line walkthrough works as written", { timeout: 120_000 }, async () => {
  const section = README.split('## Using Aura from the command line')[1] ?? '';
  const block = section.match(/```sh\n([\s\S]*?)```/)?.[1] ?? '';
  const lines = block
    .split('\n')
    .map((l) => l.replace(/\s+#.*$/, '').trim())
    .filter((l) => l.startsWith('npx aura '));
  assert.ok(lines.length >= 4, 'the walkthrough is in the README');
  const outputs: string[] = [];
  for (const line of lines) {
    const args = words(line).slice(2);
    // The prompt, answered the way a script would: the password twice on stdin.
    const needsPassword = args[0] === 'register' || args[0] === 'login';
    const run = await runAura(cli.server.url, home, [...args, ...(needsPassword ? ['--password-stdin'] : [])], {
      stdin: 'readme password 1\nreadme password 1\n',
    });
    assert.equal(run.code, 0, `${line}\n${run.stderr}`);
    const out = run.stdout;
    outputs.push(out);
  }
  const search = outputs[lines.findIndex((l) => l.includes('context search'))] ?? '';
  assert.match(search, /Lunch with John on Friday/);
  assert.match(outputs[lines.findIndex((l) => l.includes('people list'))] ?? '', /John Appleseed/);
});

it("the README's agent walkthrough works as written: enroll the agent, ask, approve, see the event", {
  timeout: 180_000,
}, async () => {
  const section = README.split('### Your agent')[1]?.split('\n## ')[0] ?? '';
  const lines = [...section.matchAll(/```sh\n([\s\S]*?)```/g)]
    .flatMap((m) => (m[1] ?? '').split('\n'))
    .map((l) => l.replace(/\s+#.*$/, '').trim())
    .filter((l) => /^(AURA_HOME=\S+ )?npx aura /.test(l));
  assert.ok(lines.length >= 7, 'the agent walkthrough is in the README');
  const found: Record<string, string> = {};
  for (const line of lines) {
    const env = /^AURA_HOME=(\S+) /.exec(line)?.[1];
    const where = env ? agentHome : home;
    const args = words(line.replace(/^AURA_HOME=\S+ /, ''))
      .slice(2)
      .map((w) => found[w] ?? w);
    if (args[0] === 'device' && args[1] === 'enroll') {
      // It waits for the approval, which the next line gives: run it in the background.
      const enroll = startAura(cli.server.url, where, args);
      found.CODE = await waitFor(() => /[0-9A-Z]{4}-[0-9A-Z]{4}-[0-9A-Z]{4}/.exec(enroll.errors())?.[0], 30_000);
      found.ENROLL = 'pending';
      void enroll.done.then((r) => {
        found.ENROLLED = String(r.code);
      });
      continue;
    }
    if (args[0] === 'agent') {
      await waitFor(() => (found.ENROLLED === '0' ? true : undefined), 30_000);
      agent = startAura(cli.server.url, where, args);
      await waitFor(
        () => (agent?.errors().includes('Agent connected') ? true : undefined),
        60_000,
        () => agent?.errors() ?? '',
      );
      continue;
    }
    const run = await runAura(cli.server.url, where, args);
    assert.equal(run.code, 0, `${line}\n${run.stderr}`);
    const task = /Task ([0-9a-f-]{36}) submitted/.exec(run.stdout)?.[1];
    if (task) found.TASK = task;
    if (args[0] === 'tasks' && args[1] === 'list') {
      // The agent has checked the free time by now, or soon: the task waits for approval.
      await waitFor(async () => {
        const list = await runAura(cli.server.url, where, ['tasks', 'list']);
        return /waiting_approval/.test(list.stdout) ? true : undefined;
      }, 60_000);
    }
    if (args[0] === 'tasks' && args[1] === 'show') {
      const done = await waitFor(
        async () => {
          const shown = await runAura(cli.server.url, where, args);
          return /: completed/.test(shown.stdout) ? shown.stdout : undefined;
        },
        60_000,
        () => agent?.errors() ?? '',
      );
      assert.match(done, /calendar\.create_event \[approval\]: done/);
    }
    if (args[0] === 'calendar') assert.match(run.stdout, /Meeting with John Appleseed/);
  }
  assert.ok(found.TASK, 'aura ask submitted a task');
});
