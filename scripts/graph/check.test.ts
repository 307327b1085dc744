import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { checkGraph, formatViolation, withChanges, workspaceOnDisk } from './check.ts';
import { moduleReferences } from './imports.ts';

const root = new URL('../../', import.meta.url).pathname;
const repo = workspaceOnDisk(root);

/** The repository with one line added at the top of one file. */
function withLine(file: string, line: string) {
  return withChanges(repo, { [file]: `${line}\n${repo.read(file)}` });
}

/** What the check says about one file once a line is added to it (other files' state aside). */
function violationsIn(file: string, line: string): string[] {
  return checkGraph(withLine(file, line))
    .filter((v) => v.file === file)
    .map(formatViolation);
}

describe('the package graph check', () => {
  it('refuses the three illegal imports of issue 13: crypto → client, client → assistant, server → crypto', () => {
    const crypto = violationsIn('packages/crypto/src/bytes.ts', "import type { AuraClient } from '@aura/client';");
    assert.equal(crypto.length, 1, crypto.join('\n'));
    assert.match(crypto[0] ?? '', /crypto's src may not import @aura\/client/);

    const client = violationsIn('packages/client/src/encoding.ts', "import { decide } from '@aura/assistant';");
    assert.equal(client.length, 1, client.join('\n'));
    assert.match(client[0] ?? '', /client's src may not import @aura\/assistant/);

    const server = violationsIn('packages/server/src/config.ts', "const later = () => import('@aura/crypto');");
    assert.equal(server.length, 1, server.join('\n'));
    assert.match(server[0] ?? '', /server's src may not import @aura\/crypto /);
  });

  it('sees re-exports, import type, import("x").T and require, not only static imports', () => {
    for (const line of [
      "export { AuraClient } from '@aura/client';",
      "import type { Vault } from '@aura/client';",
      "type C = import('@aura/client').AuraClient;",
      "const c = require('@aura/client');",
    ]) {
      assert.equal(violationsIn('packages/crypto/src/bytes.ts', line).length, 1, line);
    }
    // A string or a comment that merely names a package is not an import.
    assert.deepEqual(
      violationsIn('packages/crypto/src/bytes.ts', "// import '@aura/client'\nconst s = '@aura/client';"),
      [],
    );
  });

  it("refuses a test's reach into another package's files by relative path", () => {
    const found = violationsIn(
      'packages/client/test/sdk.test.ts',
      "import { migrate } from '../../server/src/db/migrate.ts';",
    );
    assert.equal(found.length, 1);
    assert.match(found[0] ?? '', /reaches into packages\/server\/src\/db\/migrate\.ts by path/);
  });

  it("lets a package's build scripts share scripts/bundle.mjs, and nothing else of it", () => {
    assert.deepEqual(
      violationsIn('packages/server/scripts/build.mjs', "import { common } from '../../../scripts/bundle.mjs';"),
      [],
    );
    const found = violationsIn('packages/server/src/app.ts', "import { common } from '../../../scripts/bundle.mjs';");
    assert.equal(found.length, 1);
    assert.match(found[0] ?? '', /reaches into scripts\/bundle\.mjs by path/);
  });

  it("lets tests use @aura/testing and their package's own test-only allowances", () => {
    assert.deepEqual(
      violationsIn('packages/server/test/vault.test.ts', "import { waitFor } from '@aura/testing';"),
      [],
    );
    assert.deepEqual(
      violationsIn('packages/server/test/vault.test.ts', "import { sealEnvelope } from '@aura/crypto';"),
      [],
    );
    // ...but the server's own code may not.
    assert.equal(violationsIn('packages/server/src/config.ts', "import { waitFor } from '@aura/testing';").length, 1);
  });

  it("refuses secret-key code reachable from the server's entry, through a public entry", () => {
    const leaked = checkGraph(
      withLine('packages/crypto/src/public.ts', "export { openSealed } from './seal/open-sealed.ts';"),
    ).map(formatViolation);
    assert.ok(
      leaked.some((v) => v.startsWith('packages/crypto/src/seal/open-sealed.ts') && v.includes('openSealed')),
      leaked.join('\n'),
    );
    // Through the platform-independent entries too: signing pulled into the Merkle entry.
    const signing = checkGraph(withLine('packages/crypto/src/merkle/index.ts', "export { sign } from '../sign.ts';"));
    assert.ok(signing.some((v) => v.file === 'packages/crypto/src/sign.ts' && v.specifier === 'sign'));
  });

  it('refuses an allowed import its package does not declare (it would work only by hoisting)', () => {
    // The CLI may use the wire schemas, but does not list @aura/protocol today (the assistant
    // did not either, until its HE provider read the HE routes' schemas).
    const found = violationsIn('packages/cli/src/table.ts', "import type { TaskView } from '@aura/protocol';");
    assert.equal(found.length, 1, found.join('\n'));
    assert.match(found[0] ?? '', /@aura\/protocol is imported but not in packages\/cli\/package.json dependencies/);
  });

  it('refuses a package that has no rule', () => {
    const found = checkGraph(withChanges(repo, { 'packages/stray/src/index.ts': 'export {};' }));
    assert.ok(found.some((v) => v.file === 'packages/stray/src/index.ts' && /has no rule/.test(v.reason)));
  });

  it('property: every static import written is found, wherever it sits among other code', () => {
    const specifier = fc.stringMatching(/^@aura\/[a-z]{1,8}(\/[a-z]{1,8})?$/);
    fc.assert(
      fc.property(fc.array(specifier, { minLength: 1, maxLength: 6 }), fc.boolean(), (specifiers, dynamic) => {
        const text = specifiers
          .map((s, i) =>
            dynamic ? `async function f${i}() { return import('${s}'); }` : `import * as m${i} from '${s}';`,
          )
          .join('\nconst x = 1;\n');
        assert.deepEqual(
          moduleReferences('a.ts', text).map((r) => r.specifier),
          specifiers,
        );
      }),
    );
  });
});
