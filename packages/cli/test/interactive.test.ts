import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { skipUnless, waitFor } from '@aura/testing';
import { refine } from '../src/commands/chat.ts';
import { enrollDevice, runAura, serverForCli, startAura } from './support/harness.ts';

const AURA = fileURLToPath(new URL('../bin/aura.mjs', import.meta.url));
const root = mkdtempSync(join(tmpdir(), 'aura-interactive-'));
const completionScript = (shell: string) => {
  const run = spawnSync(process.execPath, [AURA, 'completion', shell], { encoding: 'utf8' });
  assert.equal(run.status, 0, run.stderr);
  const path = join(root, `aura.${shell}`);
  writeFileSync(path, run.stdout);
  return path;
};
after(() => rmSync(root, { recursive: true, force: true }));

describe('shell completion, from the command table', () => {
  /** What bash offers for the words typed so far (the last one is being completed). */
  const bash = (...typed: string[]) => {
    const words = ['aura', ...typed].map((w) => `'${w}'`).join(' ');
    const run = spawnSync(
      'bash',
      [
        '-c',
        `source ${completionScript('bash')}; COMP_WORDS=(${words}); COMP_CWORD=${typed.length}; _aura; echo "\${COMPREPLY[*]}"`,
      ],
      { encoding: 'utf8' },
    );
    assert.equal(run.status, 0, run.stderr);
    return run.stdout.trim().split(' ');
  };

  it('bash completes commands, their verbs and their flags', () => {
    assert.deepEqual(bash('con'), ['context']);
    assert.deepEqual(bash('context', '').sort(), ['add', 'get', 'list', 'reembed', 'rm', 'search']);
    assert.deepEqual(bash('device', 'ap'), ['approve']);
    assert.ok(bash('ask', '--d').includes('--dry-run'));
    assert.ok(bash('device', 'approve', 'X', '--y').includes('--yes'));
    assert.deepEqual(bash('completion', '').sort(), ['bash', 'fish', 'zsh']);
  });

  it('fish completes commands and verbs', { skip: skipUnless('fish') }, () => {
    const complete = (line: string) =>
      spawnSync('fish', ['--no-config', '-c', `source ${completionScript('fish')}; complete -C '${line}'`], {
        encoding: 'utf8',
      }).stdout;
    assert.match(complete('aura con'), /^context\t/m);
    assert.match(complete('aura tasks '), /^watch$/m);
    assert.match(complete('aura ask --'), /^--dry-run$/m);
  });

  it('the zsh script is valid zsh and defines its completion', { skip: skipUnless('zsh') }, () => {
    const run = spawnSync(
      'zsh',
      ['-f', '-c', `autoload -U compinit && compinit -u -D; source ${completionScript('zsh')}; echo $_comps[aura]`],
      { encoding: 'utf8' },
    );
    assert.equal(run.status, 0, run.stderr);
    assert.equal(run.stdout.trim(), '_aura');
  });
});

it('a question is answered by naming the person, or by adding what was missing', () => {
  assert.equal(
    refine(
      'meet Jhon at 3pm',
      'Did you mean John Appleseed? I do not have anyone called Jhon among your people.',
      'yes',
    ),
    'meet John Appleseed at 3pm',
  );
  assert.equal(
    refine('lunch with John', 'Which John do you mean: John Appleseed or John Smith?', 'John Smith'),
    'lunch with John Smith',
  );
  assert.equal(
    refine('Schedule a meeting with Sarah', 'When?', 'friday at 10am'),
    'Schedule a meeting with Sarah friday at 10am',
  );
});

describe('asking, chatting and approving against a real server and agent', () => {
  let cli: Awaited<ReturnType<typeof serverForCli>>;
  let agent: ReturnType<typeof startAura> | undefined;
  const me = join(root, 'me');
  const agentHome = join(root, 'agent');
  const aura = (args: string[], stdin = '') => runAura(cli.server.url, me, args, { stdin });

  before(async () => {
    cli = await serverForCli();
    const email = 'chat@example.com';
    assert.equal((await aura(['register', '--email', email, '--password-stdin'], 'chat pw 1\nchat pw 1\n')).code, 0);
    assert.equal((await aura(['people', 'add', 'John Appleseed', '--email', 'john@example.com'])).code, 0);
    await enrollDevice(cli.server.url, agentHome, me, email, 'agent');
  });
  after(async () => {
    agent?.child.kill('SIGTERM');
    await agent?.done;
    await cli?.stop();
  });

  it('without a terminal, aura ask shows the plan and submits only with --yes', { timeout: 60_000 }, async () => {
    const shown = await aura(['ask', 'Schedule a meeting with John tomorrow at 3pm']);
    assert.equal(shown.code, 0, shown.stderr);
    assert.match(shown.stdout, /calendar\.create_event {2}\[needs your approval\]/);
    assert.match(shown.stderr, /Not submitted: there is no terminal to ask on\. Run it again with --yes/);
    const none = JSON.parse((await aura(['--json', 'tasks', 'list'])).stdout);
    assert.equal(none.tasks.length, 0, 'nothing was submitted');
    const added = await aura(['people', 'add', 'Mary Major']);
    assert.match(added.stderr, /^Added Mary Major to your people \([0-9a-f-]{36}\)\.$/m);
  });

  /** The command as a person at a terminal runs it: `script` gives it a pseudo-terminal, fed `typed`. */
  const atTerminal = (args: string[], typed: string) => {
    const line = [process.execPath, AURA, '--server', cli.server.url, ...args].map((w) => `'${w}'`).join(' ');
    return spawnSync('script', ['-qec', line, '/dev/null'], {
      input: typed,
      encoding: 'utf8',
      env: { ...process.env, AURA_HOME: me },
      timeout: 60_000,
    });
  };

  it('on a terminal, aura ask shows the plan and asks before it submits', { skip: skipUnless('script') }, async () => {
    const declined = atTerminal(['ask', 'Schedule a meeting with John on monday at 9am'], 'n\r');
    assert.match(
      declined.stdout,
      /calendar\.create_event {2}\[needs your approval\][\s\S]*Submit\? \[Y\/n\][\s\S]*Not submitted\./,
    );
    assert.equal(
      JSON.parse((await aura(['--json', 'tasks', 'list'])).stdout).tasks.length,
      0,
      'no means nothing was sent',
    );
    // Enter takes the default, yes.
    const accepted = atTerminal(['ask', 'Schedule a meeting with John on monday at 9am'], '\r');
    assert.match(accepted.stdout, /Submit\? \[Y\/n\][\s\S]*Task [0-9a-f-]{36} submitted\./);
    assert.equal(JSON.parse((await aura(['--json', 'tasks', 'list'])).stdout).tasks.length, 1, 'yes sent it, once');
  });

  it('on a terminal, device approve shows the fingerprint and gives the key only on a yes', {
    skip: skipUnless('script'),
    timeout: 60_000,
  }, async () => {
    const enroll = startAura(cli.server.url, join(root, 'tablet'), [
      '--json',
      'device',
      'enroll',
      '--email',
      'chat@example.com',
      '--name',
      'tablet',
    ]);
    const shown = await waitFor(
      () => /"code": "([0-9A-Z-]+)"[\s\S]*"fingerprint": "([0-9a-f ]+)"/.exec(enroll.output()) ?? undefined,
      30_000,
      () => enroll.output(),
    );
    const [, code = '', fingerprint = ''] = shown;
    const no = atTerminal(['device', 'approve', code], 'n\r');
    assert.ok(no.stdout.includes(`Its fingerprint: ${fingerprint}`), no.stdout);
    assert.match(
      no.stdout,
      /Does the new device show the same fingerprint\? \[y\/N\][\s\S]*Not approved; nothing was sent/,
    );
    assert.equal(enroll.child.exitCode, null, 'the tablet still waits');
    const yes = atTerminal(['device', 'approve', code], 'y\r');
    assert.match(yes.stdout, /Approved "tablet"/);
    assert.equal((await enroll.done).code, 0);
  });

  it('aura chat: a misspelt name asked about, the plan submitted, the step approved inline, the task followed to its end', {
    timeout: 120_000,
  }, async () => {
    agent = startAura(cli.server.url, agentHome, ['agent']);
    await waitFor(
      () => (agent?.errors().includes('Agent connected') ? true : undefined),
      60_000,
      () => agent?.errors() ?? '',
    );
    // The conversation as a person types it: the request, "yes" to "Did you mean…", Enter to
    // submit, Enter to approve; then the end of the input leaves.
    const chat = await aura(['chat'], 'Schedule a meeting with Jhon tomorrow at 3pm\nyes\n\n\n');
    assert.equal(chat.code, 0, `${chat.stdout}\n${chat.stderr}`);
    assert.match(chat.stderr, /Did you mean John Appleseed\?/);
    assert.match(chat.stdout, /Task [0-9a-f-]{36} submitted\./);
    assert.match(chat.stderr, /Step \S+: calendar\.create_event - .*Approve\? \[Y\/n\]/);
    assert.match(chat.stdout, /Approved step \S+ \(signed by this device\)\.[\s\S]*Task completed\./);
    const { tasks } = JSON.parse((await aura(['--json', 'tasks', 'list'])).stdout);
    const chatted = tasks.filter((t: { request: { text: string } }) => /tomorrow at 3pm/.test(t.request.text));
    assert.equal(chatted.length, 1, 'one task from the conversation');
    assert.equal(chatted[0].status, 'completed');
    assert.match(
      chatted[0].request.text,
      /John Appleseed/,
      'the task list says what was asked, with the answer folded in',
    );
    const listed = await aura(['tasks', 'list']);
    assert.match(listed.stdout, /completed\s+.*Schedule a meeting with John Appleseed/);
  });

  it('aura ask --yes --wait submits and follows the task until it ends', { timeout: 120_000 }, async () => {
    const asked = startAura(cli.server.url, me, [
      'ask',
      '--yes',
      '--wait',
      'Schedule a meeting with John friday at 10am',
    ]);
    const task = await waitFor(
      () => /Task ([0-9a-f-]{36}) submitted/.exec(asked.output())?.[1],
      60_000,
      () => asked.errors(),
    );
    // Approved from here while the first command is still following the task.
    const approved = await aura(['approve', task]);
    assert.equal(approved.code, 0, approved.stderr);
    const done = await asked.done;
    assert.equal(done.code, 0, done.stderr);
    assert.match(done.stdout, /approval requested[\s\S]*approved[\s\S]*completed/);
  });
});
