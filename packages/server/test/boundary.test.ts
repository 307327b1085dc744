import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { it } from 'node:test';

// Which packages and entries the server may import, and that no secret-key code is reachable
// from its entry, is the package-graph check's (scripts/graph, run by npm test).

it('the server declares @aura/crypto, for its public entries', () => {
  const pkg = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8'));
  assert.ok(pkg.dependencies['@aura/crypto'], 'the dependency exists, for the SRP entry');
});

it('the SRP entry exports no secret-key function', async () => {
  const srp = await import('@aura/crypto/srp');
  const names = Object.keys(srp);
  for (const name of names) assert.doesNotMatch(name, /seal|open|wrap|derive|master|envelope|client/i, name);
  assert.ok(names.includes('srpServerSession'));
});

it('property: the server normalises an email exactly as the client derives keys from it', async () => {
  const fc = (await import('fast-check')).default;
  const { normalizeEmail } = await import('@aura/protocol');
  const { normalizeIdentifier } = await import('@aura/crypto');
  fc.assert(
    fc.property(
      fc.string({ minLength: 1, unit: 'grapheme' }).filter((s) => normalizeEmail(s).length > 0),
      (email) => normalizeEmail(email) === normalizeIdentifier(email),
    ),
  );
});

it('the Merkle and public-key entries hold no secret-key operation', async () => {
  const merkle = Object.keys(await import('@aura/crypto/merkle'));
  const pub = Object.keys(await import('@aura/crypto/public'));
  for (const name of [...merkle, ...pub])
    assert.doesNotMatch(name, /open|unwrap|derive|master|envelope|decrypt|sign$/i, name);
  assert.deepEqual(pub.sort(), ['sealTo', 'verifySignature']);
});
