import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, it } from 'node:test';
import { runAura, serverForCli } from './support/harness.ts';

const README = readFileSync(new URL('../../../README.md', import.meta.url), 'utf8');
const home = mkdtempSync(join(tmpdir(), 'aura-readme-'));
let cli: Awaited<ReturnType<typeof serverForCli>>;

before(async () => {
  cli = await serverForCli();
});
after(async () => {
  await cli?.stop();
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
