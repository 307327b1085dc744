import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { freshDatabase, waitFor } from '@aura/testing';
import { startAura } from './support/harness.ts';

const home = mkdtempSync(join(tmpdir(), 'aura-up-'));
after(() => rmSync(home, { recursive: true, force: true }));

const LISTENING = /Aura server listening on (http:\/\/\S+)/;

it('aura up runs the server as npm start does; a SIGTERM to aura reaches the server, and aura exits with it', {
  timeout: 90_000,
}, async () => {
  const db = await freshDatabase();
  const up = startAura('http://127.0.0.1:9', home, ['up'], {
    env: { DATABASE_URL: db.url, PORT: '0', AURA_LOG_LEVEL: 'warn' },
  });
  try {
    const url = await waitFor(
      () => LISTENING.exec(up.output())?.[1],
      60_000,
      () => up.output() + up.errors(),
    );
    assert.deepEqual(await (await fetch(`${url}/health`)).json(), { status: 'ok' });
    // Only aura is signalled, not its process group: the server stops because aura passes it on.
    up.child.kill('SIGTERM');
    const done = await up.done;
    // Had aura not handled the signal, it would have died of it (no code) and left the server running.
    assert.equal(typeof done.code, 'number', done.stdout + done.stderr);
    assert.match(done.stdout, /SIGTERM: stopping…/);
    await assert.rejects(fetch(`${url}/health`), 'the server is gone with aura');
  } finally {
    up.child.kill('SIGKILL');
    await db.drop();
  }
});

it("aura up exits with the server's exit code when it cannot start", { timeout: 60_000 }, async () => {
  const up = startAura('http://127.0.0.1:9', home, ['up'], {
    env: { DATABASE_URL: 'postgres://aura@127.0.0.1:9/none', PORT: '0', AURA_LOG_LEVEL: 'warn' },
  });
  const done = await up.done;
  assert.equal(done.code, 1);
  assert.match(done.stderr, /Aura could not start/);
});

it('the bin says what to run when the command was never built', () => {
  // A copy of the bin with no dist/ beside it, as in a checkout cloned without npm ci.
  const bare = join(home, 'bare');
  mkdirSync(join(bare, 'bin'), { recursive: true });
  cpSync(fileURLToPath(new URL('../bin/aura.mjs', import.meta.url)), join(bare, 'bin', 'aura.mjs'));
  const run = spawnSync(process.execPath, [join(bare, 'bin', 'aura.mjs'), 'status'], { encoding: 'utf8' });
  assert.equal(run.status, 1);
  assert.match(run.stderr, /not built yet[\s\S]*npm ci/);
  assert.equal(run.stdout, '');
});
