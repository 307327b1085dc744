import assert from 'node:assert/strict';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { it } from 'node:test';
import { fileURLToPath } from 'node:url';

const SRC = fileURLToPath(new URL('../src/', import.meta.url));

function sources(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? sources(path) : path.endsWith('.ts') ? [path] : [];
  });
}

it('the server imports no key-handling code: from @aura/crypto only the SRP, Merkle and public-key entries', () => {
  const offenders: string[] = [];
  for (const file of sources(SRC)) {
    for (const match of readFileSync(file, 'utf8').matchAll(/from\s+'(@aura\/crypto[^']*|[^']*crypto\/src[^']*)'/g)) {
      if (!['@aura/crypto/srp', '@aura/crypto/merkle', '@aura/crypto/public'].includes(match[1] ?? '')) {
        offenders.push(`${file}: ${match[1]}`);
      }
    }
  }
  assert.deepEqual(offenders, []);
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
