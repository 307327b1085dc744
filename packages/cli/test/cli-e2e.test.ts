import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, it } from 'node:test';
import { dumpDatabase, forms } from '@aura/testing';
import { serverForCli, startAura } from './support/harness.ts';

const homes = mkdtempSync(join(tmpdir(), 'aura-cli-e2e-'));
let cli: Awaited<ReturnType<typeof serverForCli>>;

before(async () => {
  cli = await serverForCli({ AURA_RATE_LIMIT_DEFAULT: '100000' });
});
after(async () => {
  await cli?.stop();
  rmSync(homes, { recursive: true, force: true });
});

const start = (device: string, args: string[], stdin = '') =>
  startAura(cli.server.url, join(homes, device), args, { stdin });
const aura = (device: string, args: string[], stdin = '') => start(device, args, stdin).done;
const ok = async (device: string, args: string[], stdin = '') => {
  const run = await aura(device, args, stdin);
  assert.equal(run.code, 0, `aura ${args.join(' ')}: ${run.stderr}`);
  return run;
};
const json = async <T = unknown>(device: string, args: string[], stdin = '') =>
  JSON.parse((await ok(device, ['--json', ...args], stdin)).stdout) as T;

it('end to end through the aura command: two devices, search, password change, rotation, revocation', {
  timeout: 240_000,
}, async () => {
  const email = `cli-${Date.now()}@example.com`;
  const marker = `Zanzibarquest${Date.now()}`;
  await ok('laptop', ['register', '--email', email, '--password-stdin'], 'first secret pw\nfirst secret pw\n');
  assert.equal(statSync(join(homes, 'laptop', 'state.json')).mode & 0o777, 0o600, 'state is private to its owner');

  const john = await json<{ id: string }>('laptop', [
    'people',
    'add',
    'John Appleseed',
    '--relationship',
    'colleague',
    '--email',
    'john@example.com',
  ]);
  const note = await json<{ id: string }>('laptop', [
    'context',
    'add',
    `${marker} lunch with John on Friday`,
    '--type',
    'note',
  ]);
  const found = await json<{ id: string; data: { text: string } }[]>('laptop', [
    'context',
    'search',
    'lunch',
    'friday',
  ]);
  assert.deepEqual(
    found.map((r) => r.id),
    [note.id],
  );
  assert.deepEqual(
    (await json<{ id: string }[]>('laptop', ['people', 'search', 'appleseed'])).map((r) => r.id),
    [john.id],
  );
  assert.match((await ok('laptop', ['people', 'list'])).stdout, /John Appleseed\s+colleague/);
  assert.match((await ok('laptop', ['context', 'get', note.id])).stdout, /type: note/);
  const temp = await json<{ id: string }>('laptop', ['people', 'add', 'Temporary Person']);
  await ok('laptop', ['people', 'rm', temp.id]);
  assert.equal((await aura('laptop', ['people', 'get', temp.id])).code, 1);

  // A second device joins by code, and reads the same data.
  const enroll = start('phone', ['--json', 'device', 'enroll', '--email', email, '--name', 'phone']);
  const code = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no enrollment code shown: ${enroll.output()}`)), 30_000);
    const poll = setInterval(() => {
      const match = /"code": "([0-9A-Z-]+)"/.exec(enroll.output());
      if (match?.[1]) {
        clearTimeout(timer);
        clearInterval(poll);
        resolve(match[1]);
      }
    }, 50);
  });
  // Without a terminal to confirm the fingerprint on, nothing is approved; --yes is the confirmation.
  const unconfirmed = await aura('laptop', ['device', 'approve', code]);
  assert.equal(unconfirmed.code, 1, unconfirmed.stderr);
  assert.match(unconfirmed.stderr, /Its fingerprint: [0-9a-f ]+\n[\s\S]*no terminal to confirm on/);
  assert.equal(enroll.child.exitCode, null, 'the new device still waits');
  const approved = await ok('laptop', ['device', 'approve', code, '--yes']);
  const shown = /"fingerprint": "([0-9a-f ]+)"/.exec(enroll.output())?.[1];
  assert.ok(shown && approved.stderr.includes(shown), 'approve shows the fingerprint the new device shows');
  const enrolled = await enroll.done;
  assert.equal(enrolled.code, 0, enrolled.stderr);
  assert.equal(
    (await json<{ data: { text: string } }>('phone', ['context', 'get', note.id])).data.text,
    `${marker} lunch with John on Friday`,
  );
  const devices = await json<{ id: string; name: string; current: boolean }[]>('laptop', ['device', 'list']);
  assert.equal(devices.length, 2);
  const phone = devices.find((d) => !d.current);
  assert.ok(phone);

  // Password change: the data stays; the old password no longer logs in (exit 4).
  await ok('laptop', ['password', 'change', '--password-stdin'], 'first secret pw\nsecond secret pw\n');
  assert.equal((await aura('desktop', ['login', '--email', email, '--password-stdin'], 'first secret pw\n')).code, 4);
  await ok('desktop', ['login', '--email', email, '--password-stdin'], 'second secret pw\n');
  assert.equal(
    (await json<{ data: { text: string } }>('desktop', ['context', 'get', note.id])).data.text,
    `${marker} lunch with John on Friday`,
  );

  // Key rotation: everything still reads, on another device too.
  const rotated = await json<{ version: number }>('laptop', ['keys', 'rotate', 'context']);
  assert.equal(rotated.version, 2);
  assert.equal((await json<{ id: string }[]>('desktop', ['context', 'search', 'lunch'])).length, 1);

  // Revocation: the phone's session ends (exit 3: not logged in).
  await ok('laptop', ['device', 'revoke', phone.id]);
  const locked = await aura('phone', ['context', 'list']);
  assert.equal(locked.code, 3, locked.stderr);
  assert.match(locked.stderr, /AURA_SESSION_REVOKED/);

  // The verified audit log holds what happened, and verifies.
  const log = await json<{ eventType: string; action: string }[]>('laptop', ['audit', 'log']);
  const events = log.map((e) => `${e.eventType}:${e.action}`);
  for (const expected of [
    'registration:register',
    'device:enroll',
    'password_change:change_password',
    'device:revoke',
  ]) {
    assert.ok(events.includes(expected), `${expected} in ${events.join(', ')}`);
  }
  assert.ok(events.some((e) => e.startsWith('key_rotation:')));
  assert.match((await ok('laptop', ['audit', 'verify'])).stdout, /^Verified: \d+ entries/);

  // The zero-knowledge check, after all of that.
  const dump = await dumpDatabase(cli.db.url);
  for (const secret of [
    marker,
    marker.toLowerCase(),
    'Appleseed',
    'appleseed',
    'first secret pw',
    'second secret pw',
    'lunch with John',
  ]) {
    for (const form of forms(secret)) assert.ok(!dump.includes(form), `the database holds "${secret}"`);
  }
  assert.ok(dump.includes(email), 'the dump is real (the email is stored to route logins)');
});

it('usage errors exit 2 with a hint; an unreachable server exits 5', async () => {
  const usage = await aura('laptop', ['context', 'frobnicate']);
  assert.equal(usage.code, 2);
  assert.match(usage.stderr, /"aura context" has no "frobnicate"\nusage:\n {2}aura context add TEXT/);
  const help = await aura('laptop', ['help', 'context']);
  assert.ok(usage.stderr.includes(help.stdout.trim()), 'the usage error shows what "aura help context" shows');

  const unreachable = await startAura(
    'http://127.0.0.1:9',
    join(homes, 'nowhere'),
    ['login', '--email', 'a@b.c', '--password-stdin'],
    {
      stdin: 'pw\n',
    },
  ).done;
  const code = unreachable.code;
  assert.equal(code, 5);
  for (const bad of ['127.0.0.1:18787', 'not a url', 'ftp://example.com']) {
    const run = await aura('laptop', ['--server', bad, 'status']);
    assert.equal(run.code, 2, bad);
    assert.match(
      run.stderr,
      /is not a server address: give its URL with the scheme, such as http:\/\/127\.0\.0\.1:8787/,
    );
  }
  for (const args of [
    ['tasks', 'show', '42'],
    ['context', 'get', 'abc'],
    ['device', 'revoke', 'my-phone'],
  ]) {
    const run = await aura('laptop', args);
    assert.equal(run.code, 2, args.join(' '));
    assert.match(run.stderr, /is not an? \w+ id \(ids look like [0-9a-f-]{36}\); "aura \w+ list" shows them/);
  }
  const typo = await aura('laptop', ['plugns', 'list']);
  assert.equal(typo.code, 2);
  assert.match(typo.stderr, /unknown command "plugns". Did you mean "aura plugins"\?/);
});
