#!/usr/bin/env node
// Runs the bundle that `npm ci` (the root prepare script) builds from src/; see scripts/build.mjs.
import { existsSync } from 'node:fs';

const bundle = new URL('../dist/aura.mjs', import.meta.url);
if (!existsSync(bundle)) {
  process.stderr.write(
    'aura: the command is not built yet (packages/cli/dist is missing).\n' +
      'Run "npm ci" (or "npm run build:cli") at the root of the Aura checkout, then try again.\n',
  );
  process.exit(1);
}
await import(bundle.href);
