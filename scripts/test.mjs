#!/usr/bin/env node
// Runs every package's tests with Node's test runner (through tsx, for TypeScript).
// Node 20 cannot glob *.test.ts itself, so the files are found here.
import { spawnSync } from 'node:child_process';
import { readdirSync, statSync } from 'node:fs';
import { join, relative, sep } from 'node:path';

const root = new URL('..', import.meta.url).pathname;
const roots = process.argv.slice(2).length ? process.argv.slice(2) : ['packages', 'scripts'];

function find(dir, out = []) {
  for (const name of readdirSync(dir)) {
    if (name === 'node_modules' || name.startsWith('.')) continue;
    const path = join(dir, name);
    if (statSync(path).isDirectory()) find(path, out);
    else if (name.endsWith('.test.ts')) out.push(relative(root, path));
  }
  return out;
}

const files = roots.flatMap((r) => find(join(root, r))).sort();
if (files.length === 0) {
  console.error('no test files found');
  process.exit(1);
}
// The CLI's tests run the aura bin, which runs the bundle in packages/cli/dist: built here first,
// so they test the sources as they are now, not as they were at the last npm ci.
if (files.some((f) => f.startsWith(`${join('packages', 'cli')}${sep}`))) {
  const build = spawnSync(process.execPath, [join(root, 'packages/cli/scripts/build.mjs')], { stdio: 'inherit' });
  if (build.status !== 0) process.exit(build.status ?? 1);
}
// The dashboard's tests drive the build the server serves (packages/web/dist): built here first too.
if (files.some((f) => f.startsWith(`${join('packages', 'web')}${sep}`))) {
  const build = spawnSync(process.execPath, [join(root, 'packages/web/scripts/build.mjs')], { stdio: 'inherit' });
  if (build.status !== 0) process.exit(build.status ?? 1);
}
const result = spawnSync(
  process.execPath,
  ['--import', 'tsx', '--test', '--test-reporter=spec', '--test-concurrency=2', ...files],
  { stdio: 'inherit', cwd: root },
);
process.exit(result.status ?? 1);
