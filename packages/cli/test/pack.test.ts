import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { serverForCli } from './support/harness.ts';

const PACK = fileURLToPath(new URL('../scripts/pack.mjs', import.meta.url));
const root = mkdtempSync(join(tmpdir(), 'aura-pack-test-'));
const prefix = join(root, 'global');
let cli: Awaited<ReturnType<typeof serverForCli>>;

before(async () => {
  cli = await serverForCli();
});
after(async () => {
  await cli?.stop();
  rmSync(root, { recursive: true, force: true });
});

/** The installed command, as a person runs it: from outside any checkout, with its own home. */
const installed = (args: string[], input = '') =>
  spawnSync(join(prefix, 'bin/aura'), ['--server', cli.server.url, ...args], {
    cwd: root,
    encoding: 'utf8',
    input,
    env: { ...process.env, AURA_HOME: join(root, 'home') },
  });

it('the packed tarball installs with npm i -g and works without the checkout', { timeout: 300_000 }, async () => {
  const packed = spawnSync(process.execPath, [PACK, '--out', root], { encoding: 'utf8' });
  assert.equal(packed.status, 0, packed.stderr);
  const tarball = packed.stdout.trim();
  assert.match(tarball, /aura-cli-\d+\.\d+\.\d+\.tgz$/);
  const manifest = spawnSync('tar', ['xzf', tarball, '-O', 'package/package.json'], { encoding: 'utf8' });
  const dependencies = Object.keys(JSON.parse(manifest.stdout).dependencies);
  assert.ok(!dependencies.some((d) => d.startsWith('@aura/')), 'the workspace packages are bundled, not depended on');

  // --prefer-offline: the libraries come from the cache npm ci filled, where they are there.
  const install = spawnSync(
    'npm',
    ['i', '-g', '--prefix', prefix, '--prefer-offline', '--no-audit', '--no-fund', tarball],
    {
      cwd: root,
      encoding: 'utf8',
    },
  );
  assert.equal(install.status, 0, install.stderr);
  assert.ok(existsSync(join(prefix, 'bin/aura')));
  assert.ok(!readFileSync(join(prefix, 'bin/aura'), 'utf8').includes('/work/'), 'nothing points back at a checkout');

  const registered = installed(
    ['register', '--email', 'packed@example.com', '--password-stdin'],
    'pw packed\npw packed\n',
  );
  assert.equal(registered.status, 0, registered.stderr);
  assert.equal(installed(['people', 'add', 'John Appleseed']).status, 0);
  // The assistant's model files travelled with the bundle: the request is understood offline.
  const asked = installed(['ask', '--dry-run', 'Schedule a meeting with John tomorrow at 3pm']);
  assert.equal(asked.status, 0, asked.stderr);
  assert.match(asked.stdout, /Intent: calendar_set[\s\S]*calendar\.create_event/);
  const completion = installed(['completion', 'bash']);
  assert.match(completion.stdout, /complete -o default -F _aura aura/);
  const up = installed(['up']);
  assert.equal(up.status, 2);
  assert.match(up.stderr, /this install has the command line only/);
});
