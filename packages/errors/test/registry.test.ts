import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { it } from 'node:test';
import { junk, junkValues } from '@aura/testing';
import fc from 'fast-check';
import { AuraError, errorCodes, isAuraError } from '../src/index.ts';

const doc = readFileSync(new URL('../../../docs/errors.md', import.meta.url), 'utf8');
const rows = [...doc.matchAll(/^\| `(AURA_[A-Z0-9_]+)`\s*\|\s*(\d{3})\s*\|([^|]+)\|/gm)].map((m) => ({
  code: m[1] ?? '',
  status: Number(m[2]),
  summary: (m[3] ?? '').trim(),
}));

it('docs/errors.md lists exactly the registry, with the same status and summary', () => {
  assert.deepEqual(rows.map((r) => r.code).sort(), Object.keys(errorCodes).sort());
  for (const row of rows) {
    const entry = errorCodes[row.code as keyof typeof errorCodes];
    assert.equal(row.status, entry.status, `${row.code} status`);
    assert.equal(row.summary, entry.summary, `${row.code} summary`);
  }
});

it('codes are AURA_ upper snake case; only server-side faults are 5xx', () => {
  // 5xx: a server fault, an unready or busy database (retry), or a server the client found broken or absent.
  const serverSide = new Set([
    'AURA_INTERNAL',
    'AURA_NOT_READY',
    'AURA_BUSY',
    'AURA_SERVER_MISBEHAVED',
    'AURA_SERVER_UNREACHABLE',
    'AURA_PROVIDER_UNAVAILABLE',
    'AURA_ORCHESTRATION_DISABLED',
  ]);
  for (const [code, entry] of Object.entries(errorCodes)) {
    assert.match(code, /^AURA_[A-Z0-9]+(_[A-Z0-9]+)*$/);
    if (serverSide.has(code)) assert.ok(entry.status >= 500, `${code} is a server error`);
    else assert.ok(entry.status >= 400 && entry.status < 500, `${code} is a client error`);
  }
});

it('AuraError carries its code and status, and isAuraError narrows by code', () => {
  const e = new AuraError('AURA_CRYPTO_SRP_BAD_PROOF', 'the email or password is wrong');
  assert.equal(e.status, 401);
  assert.ok(isAuraError(e, 'AURA_CRYPTO_SRP_BAD_PROOF'));
  assert.ok(!isAuraError(e, 'AURA_INVALID_INPUT'));
  assert.ok(!isAuraError(new Error('x')));
  // Nothing else is one, not even an object that looks like one.
  for (const { name, value } of junkValues) assert.ok(!isAuraError(value), name);
  assert.ok(!isAuraError({ name: 'AuraError', code: 'AURA_INVALID_INPUT', status: 400, message: 'forged' }));
  fc.assert(fc.property(junk.value(), (value) => !isAuraError(value)));
});
