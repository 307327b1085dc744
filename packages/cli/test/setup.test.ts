import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, it } from 'node:test';
import {
  freePort,
  freshDatabase,
  RADICALE,
  skipUnless,
  startRadicale,
  type TestDatabase,
  waitFor,
} from '@aura/testing';
import { runAura, serverForCli } from './support/harness.ts';

const root = mkdtempSync(join(tmpdir(), 'aura-setup-'));
const home = join(root, 'aura');
let db: TestDatabase | undefined;
let serverPid: number | undefined;

const alive = (pid: number) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

after(async () => {
  if (serverPid && alive(serverPid)) {
    process.kill(serverPid, 'SIGTERM');
    await waitFor(() => (alive(serverPid ?? 0) ? undefined : true), 30_000);
  }
  await db?.drop();
  rmSync(root, { recursive: true, force: true });
});

it('aura setup starts a local server that is not running, registers, and saves an LLM endpoint', {
  timeout: 240_000,
}, async () => {
  db = await freshDatabase();
  const server = `http://127.0.0.1:${await freePort()}`;
  // An OpenAI-compatible endpoint, as far as setup checks one: it answers GET /v1/models.
  const llm = createServer((req, res) => {
    res.writeHead(req.url === '/v1/models' ? 200 : 404, { 'content-type': 'application/json' });
    res.end('{"data":[]}');
  });
  await new Promise<void>((resolve) => llm.listen(0, '127.0.0.1', resolve));
  const llmUrl = `http://127.0.0.1:${(llm.address() as AddressInfo).port}/v1`;
  try {
    const env = { DATABASE_URL: db.url, XDG_CONFIG_HOME: join(root, 'config'), AURA_LOG_LEVEL: 'warn' };
    const args = ['setup', '--email', 'setup@example.com', '--no-agent', '--llm-url', llmUrl, '--llm-model', 'tiny'];
    const run = await runAura(server, home, [...args, '--yes', '--password-stdin'], {
      stdin: 'setup pw 1\nsetup pw 1\n',
      env,
    });
    serverPid = Number(/pid (\d+)/.exec(run.stderr)?.[1]) || undefined;
    assert.equal(run.code, 0, run.stderr);
    assert.match(run.stderr, /Not running|starting it, data in /);
    assert.match(run.stderr, new RegExp(`the server is up at ${server}`));
    assert.match(run.stderr, /Registered and logged in as setup@example\.com/);
    assert.match(run.stderr, /Agent: skipped/);
    assert.match(run.stderr, new RegExp(`LLM: ${llmUrl}, model tiny\\.`));
    assert.deepEqual(JSON.parse(readFileSync(join(home, 'config.json'), 'utf8')).llm, { url: llmUrl, model: 'tiny' });
    assert.match(run.stderr, /Try next:\n\n {4}aura people add/);

    // Again: the server is up, the account logged in; nothing is started or registered twice.
    const again = await runAura(server, home, ['setup', '--no-agent', '--yes'], { env });
    assert.equal(again.code, 0, again.stderr);
    assert.match(again.stderr, /1\. Server .*\n {3}up\./);
    assert.match(again.stderr, /2\. Account: logged in as setup@example\.com/);
    assert.match(again.stderr, new RegExp(`LLM: ${llmUrl}\\.`));
  } finally {
    llm.close();
  }
});

it('aura setup against a remote server that does not answer says so, and starts nothing', async () => {
  const run = await runAura('https://aura.invalid', join(root, 'remote'), ['setup', '--yes']);
  assert.equal(run.code, 5, run.stderr);
  assert.match(run.stderr, /cannot reach https:\/\/aura\.invalid\/?; check the address/);
});

it('aura setup connects a CalDAV calendar, checked first, for this install and its agent', {
  skip: skipUnless(RADICALE),
  timeout: 180_000,
}, async () => {
  const radicale = await startRadicale();
  const cli = await serverForCli();
  const mine = join(root, 'caldav');
  try {
    const run = await runAura(
      cli.server.url,
      mine,
      [
        'setup',
        '--email',
        'cal@example.com',
        '--caldav-url',
        radicale.url,
        '--username',
        radicale.username,
        '--no-service',
        '--yes',
        '--password-stdin',
      ],
      // One line a password (--password-stdin asks no confirmation): the account's, then the calendar's.
      { stdin: `cal pw 1\n${radicale.password}\n`, env: { XDG_CONFIG_HOME: join(root, 'caldav-config') } },
    );
    assert.equal(run.code, 0, run.stderr);
    assert.match(run.stderr, /Agent: enrolled as device/);
    assert.match(run.stderr, /connected to /);
    for (const home of [mine, `${mine}-agent`]) {
      const yaml = readFileSync(join(home, 'plugins.yaml'), 'utf8');
      assert.match(yaml, /caldav:/, home);
      assert.ok(!yaml.includes(radicale.password), 'the password is in the vault, not in plugins.yaml');
    }
  } finally {
    await cli.stop();
    await radicale.stop();
  }
});
