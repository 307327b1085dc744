import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { createRequire, isBuiltin } from 'node:module';
import { it } from 'node:test';
import { fileURLToPath } from 'node:url';

const DIST = fileURLToPath(new URL('../dist/', import.meta.url));
/** A package name, optionally with a subpath: what an import of node_modules looks like (not a quoted phrase). */
const PACKAGE = /^(@[a-z0-9][\w.-]*\/)?[a-z0-9][\w.-]*(\/[\w./-]+)?$/i;

it('every library the built command imports resolves from where the bundle is', () => {
  // The bundle leaves some libraries to node_modules (the integrations' ones, loaded by the
  // commands that use them): each must be found from packages/cli/dist, not only from the
  // package that depends on it (a library installed under packages/agent/node_modules is not).
  const specifiers = new Set<string>();
  for (const file of readdirSync(DIST).filter((f) => f.endsWith('.mjs'))) {
    const source = readFileSync(`${DIST}${file}`, 'utf8');
    for (const m of source.matchAll(/(?:from\s*|import\s*\(\s*)"([^"./][^"]*)"/g))
      if (m[1] && PACKAGE.test(m[1]) && !isBuiltin(m[1])) specifiers.add(m[1]);
  }
  assert.ok(specifiers.has('@googleapis/calendar'), 'the bundle leaves the Google client to node_modules');
  const require = createRequire(`${DIST}aura.mjs`);
  const missing = [...specifiers].filter((s) => {
    try {
      require.resolve(s);
      return false;
    } catch {
      try {
        // ESM-only packages have no CommonJS entry: their package.json is found all the same.
        require.resolve(
          `${s
            .split('/')
            .slice(0, s.startsWith('@') ? 2 : 1)
            .join('/')}/package.json`,
        );
        return false;
      } catch {
        return true;
      }
    }
  });
  assert.deepEqual(missing, [], 'libraries the built aura command cannot find');
});
