#!/usr/bin/env node
// `npm start` and `aura up`: the server as plain JavaScript. Builds dist/main.mjs first when a
// source is newer than it (build.mjs --if-stale, in a child process, so esbuild never loads
// into the server's), then runs it in this process: signals reach the server itself.
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const build = spawnSync(process.execPath, [fileURLToPath(new URL('build.mjs', import.meta.url)), '--if-stale'], {
  stdio: 'inherit',
});
if (build.status !== 0) process.exit(build.status ?? 1);
await import('../dist/main.mjs');
