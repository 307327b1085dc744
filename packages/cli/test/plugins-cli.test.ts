import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import {
  dumpDatabase,
  forms,
  OPENSSL,
  RADICALE,
  type Radicale,
  type Smtp,
  skipUnless,
  startRadicale,
  startSmtp,
} from '@aura/testing';
import { runAura, serverForCli } from './support/harness.ts';

// Connecting integrations from the command line, against real servers.
const home = mkdtempSync(join(tmpdir(), 'aura-plugins-cli-'));
let cli: Awaited<ReturnType<typeof serverForCli>>;
let radicale: Radicale;
let smtp: Smtp;

const aura = (args: string[], stdin = '') => runAura(cli.server.url, home, args, { stdin });
async function ok(args: string[], stdin = '') {
  const run = await aura(args, stdin);
  assert.equal(run.code, 0, `aura ${args.join(' ')}: ${run.stderr}`);
  return run;
}

const skip = skipUnless(RADICALE, OPENSSL);
before(async () => {
  if (skip) return;
  cli = await serverForCli({ AURA_RATE_LIMIT_DEFAULT: '10000' });
  radicale = await startRadicale();
  smtp = await startSmtp();
  await ok(
    ['register', '--email', `plugins-${Date.now()}@example.com`, '--password-stdin'],
    'plugins pw 1\nplugins pw 1\n',
  );
});
after(async () => {
  await cli?.stop();
  await radicale?.stop();
  await smtp?.stop();
  rmSync(home, { recursive: true, force: true });
});

it('aura plugins add caldav: a wrong password saves nothing; the right one is checked, then stored encrypted', {
  skip,
  timeout: 120_000,
}, async () => {
  const add = [
    'plugins',
    'add',
    'caldav',
    '--url',
    radicale.url,
    '--username',
    radicale.username,
    '--calendar',
    'Work',
    '--password-stdin',
  ];
  const wrong = await aura(add, 'not the password\n');
  assert.equal(wrong.code, 1);
  assert.match(wrong.stderr, /refused the username or password; nothing was saved/);
  assert.ok(
    !existsSync(join(home, 'plugins.yaml')) || !readFileSync(join(home, 'plugins.yaml'), 'utf8').includes('caldav'),
  );
  const right = await ok(add, `${radicale.password}\n`);
  assert.match(right.stderr, /connected to .*calendar "Work"/);
  const yaml = readFileSync(join(home, 'plugins.yaml'), 'utf8');
  assert.match(yaml, /caldav:/);
  assert.ok(!yaml.includes(radicale.password), 'the password is not in plugins.yaml');
  assert.match((await ok(['plugins', 'test', 'caldav'])).stderr, /caldav: connected/);
  const listed = JSON.parse((await ok(['--json', 'plugins', 'list'])).stdout);
  assert.deepEqual(
    listed.plugins.find((p: { name: string }) => p.name === 'caldav'),
    { name: 'caldav', enabled: 'yes', kind: '' },
  );

  // The planner now checks the CalDAV calendar for double bookings.
  await ok(['people', 'add', 'John Appleseed', '--email', 'john@example.com']);
  const plan = JSON.parse(
    (await ok(['--json', 'ask', '--dry-run', 'Schedule a meeting with John tomorrow at 3pm'])).stdout,
  );
  assert.equal(plan.status, 'ready');
  assert.ok(plan.reasoning.some((r: string) => /nothing is double-booked/.test(r)));
});

it('aura plugins add email (wrong password: a clear error) and add mcp (a third-party MCP server)', {
  skip,
  timeout: 120_000,
}, async () => {
  const addEmail = [
    'plugins',
    'add',
    'email',
    '--smtp',
    `127.0.0.1:${smtp.port}`,
    '--username',
    smtp.username,
    '--ca-file',
    smtp.caFile,
    '--password-stdin',
  ];
  const wrong = await aura(addEmail, 'wrong\n');
  assert.equal(wrong.code, 1);
  assert.match(wrong.stderr, /SMTP server refused the username or password; nothing was saved/);
  await ok(addEmail, `${smtp.password}\n`);
  const memory = fileURLToPath(new URL('../../../node_modules/.bin/mcp-server-memory', import.meta.url));
  const added = await ok([
    'plugins',
    'add',
    'mcp',
    '--name',
    'memory',
    '--command',
    memory,
    '--read-only',
    'read_graph',
  ]);
  assert.match(added.stderr, /MCP server "memory": \d+ tools/);
  assert.match((await ok(['plugins', 'test', 'memory'])).stderr, /create_entities/);
  // With a mail plugin, a meeting plans its invitation too.
  const plan = JSON.parse(
    (await ok(['--json', 'ask', '--dry-run', 'Schedule a meeting with John on friday at 4pm'])).stdout,
  );
  assert.deepEqual(
    plan.plan.map((s: { action: string }) => s.action),
    ['calendar.find_free_time', 'calendar.create_event', 'email.send_invitation'],
  );
  const dump = await dumpDatabase(cli.db.url);
  for (const secret of [radicale.password, smtp.password])
    for (const form of forms(secret)) assert.ok(!dump.includes(form), 'a credential reached the server');
});
