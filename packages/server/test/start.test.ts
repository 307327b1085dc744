import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { createRequire, isBuiltin } from 'node:module';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import {
  freshDatabase,
  httpInject,
  NPM_START,
  type ServerProcess,
  spawnServer,
  type TestDatabase,
  TestUser,
} from '@aura/testing';
import { WEB_CSP } from '../src/http/web.ts';

// `npm start` runs the server built to JavaScript (scripts/start.mjs builds dist/ when a source
// is newer). The bundle must find at run time what the sources find beside themselves: the
// migrations, the dashboard's build, the API docs' assets, and every library it leaves to
// node_modules. (The embedded default, and its signals: start-embedded.test.ts.)

const DIST = fileURLToPath(new URL('../dist/', import.meta.url));
const WEB = fileURLToPath(new URL('../../web/dist/index.html', import.meta.url));

let db: TestDatabase;
let server: ServerProcess;
before(async () => {
  db = await freshDatabase();
  server = await spawnServer({ DATABASE_URL: db.url }, 120_000, NPM_START);
});
after(async () => {
  if (server.child.exitCode === null) server.child.kill('SIGKILL');
  await db.drop();
});

describe('the built server, as npm start runs it', () => {
  it('migrates a fresh database and serves an account end to end', async () => {
    assert.deepEqual(await (await fetch(`${server.url}/ready`)).json(), { status: 'ready' });
    const user = await new TestUser(httpInject(server.url)).register();
    assert.equal((await user.login()).statusCode, 200);
    const page = await fetch(`${server.url}/api/v1/context`, { headers: user.auth });
    assert.equal(page.status, 200);
    assert.deepEqual((await page.json()).records, []);
  });

  it('answers with the security headers, and serves the API docs and the dashboard', async () => {
    const health = await fetch(`${server.url}/health`);
    assert.equal(health.headers.get('x-content-type-options'), 'nosniff');
    assert.equal(health.headers.get('x-frame-options'), 'SAMEORIGIN');
    assert.ok(health.headers.get('strict-transport-security'));
    const docs = await fetch(`${server.url}/api/docs/`);
    assert.equal(docs.status, 200);
    assert.match(await docs.text(), /swagger/i);
    const document = await (await fetch(`${server.url}/api/docs/json`)).json();
    assert.ok(document.paths['/api/v1/context']);
    const dashboard = await fetch(`${server.url}/`);
    if (existsSync(WEB)) {
      assert.equal(dashboard.status, 200);
      assert.equal(dashboard.headers.get('content-security-policy'), WEB_CSP);
    } else {
      assert.match((await dashboard.json()).error.message, /the web dashboard is not built/);
    }
  });

  it('every library the bundle imports resolves from where the bundle is', () => {
    const specifiers = new Set<string>();
    for (const file of readdirSync(DIST).filter((f) => f.endsWith('.mjs')))
      for (const m of readFileSync(join(DIST, file), 'utf8').matchAll(/(?:from\s*|import\s*\(\s*)"([^"./][^"]*)"/g))
        if (m[1] && !isBuiltin(m[1])) specifiers.add(m[1]);
    assert.ok(specifiers.has('fastify'), 'the bundle leaves the libraries to node_modules');
    assert.ok(![...specifiers].some((s) => s.startsWith('@aura/')), 'the workspace packages are bundled in');
    const require = createRequire(join(DIST, 'main.mjs'));
    const found = (specifier: string) => {
      try {
        require.resolve(specifier);
        return true;
      } catch {
        // An ES-module-only package has no CommonJS entry: its folder is looked for where Node would.
        const name = specifier
          .split('/')
          .slice(0, specifier.startsWith('@') ? 2 : 1)
          .join('/');
        return require.resolve.paths(name)?.some((dir) => existsSync(join(dir, name, 'package.json'))) ?? false;
      }
    };
    const missing = [...specifiers].filter((s) => !found(s));
    assert.deepEqual(missing, [], 'libraries the built server cannot find');
  });

  it('stops in order on SIGTERM and exits 0', async () => {
    server.child.kill('SIGTERM');
    assert.equal(await server.exited, 0, server.output());
    assert.match(server.output(), /Stopped\./);
  });
});
