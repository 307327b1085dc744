import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { it } from 'node:test';
import { checkEnvelopeFixture, type EnvelopeFixture } from './vectors/fixture.ts';

const fixture = JSON.parse(
  readFileSync(new URL('./fixtures/envelope-v1.json', import.meta.url), 'utf8'),
) as EnvelopeFixture;

it('frozen fixture: envelope v1 written by an earlier build still opens and re-seals byte for byte', () => {
  const report = checkEnvelopeFixture(fixture);
  assert.deepEqual(report.failures, []);
  assert.equal(report.total, 4);
});
