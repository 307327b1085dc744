import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { migrate } from '../../server/src/db/migrate.ts';
import { createPool } from '../../server/src/db/pool.ts';
import { freshDatabase, type TestDatabase } from '../../server/test/support/database.ts';
import { type ServerProcess, spawnServer } from '../../server/test/support/process.ts';

const AURA = fileURLToPath(new URL('../bin/aura.mjs', import.meta.url));
const README = readFileSync(new URL('../../../README.md', import.meta.url), 'utf8');
const home = mkdtempSync(join(tmpdir(), 'aura-readme-'));
let db: TestDatabase;
let server: ServerProcess;

before(async () => {
  db = await freshDatabase();
  const pool = createPool(db.url);
  await migrate(pool);
  await pool.end();
  server = await spawnServer({ DATABASE_URL: db.url });
});
after(async () => {
  server?.child.kill('SIGTERM');
  await server?.exited;
  await db?.drop();
  rmSync(home, { recursive: true, force: true });
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
    const child = spawn(
      process.execPath,
      [AURA, '--server', server.url, ...args, ...(needsPassword ? ['--password-stdin'] : [])],
      {
        env: { ...process.env, AURA_HOME: home },
      },
    );
    let out = '';
    let err = '';
    child.stdout.on('data', (d) => {
      out += String(d);
    });
    child.stderr.on('data', (d) => {
      err += String(d);
    });
    child.stdin.end('readme password 1\nreadme password 1\n');
    const code = await new Promise((resolve) => child.on('exit', resolve));
    assert.equal(code, 0, `${line}\n${err}`);
    outputs.push(out);
  }
  const search = outputs[lines.findIndex((l) => l.includes('context search'))] ?? '';
  assert.match(search, /Lunch with John on Friday/);
  assert.match(outputs[lines.findIndex((l) => l.includes('people list'))] ?? '', /John Appleseed/);
});
