import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import {
  blindIndexTokens,
  blindSearchTokens,
  deriveBlindIndexKey,
  generateAccountKey,
  indexTerms,
  normalizeText,
  tokenize,
} from '../src/index.ts';
import { errorCode } from './vectors/report.ts';

const account = generateAccountKey();
const key = deriveBlindIndexKey(account, 'people', 'name');
const hexes = (tokens: Uint8Array[]) => tokens.map((t) => Buffer.from(t).toString('hex'));
const matches = (stored: Uint8Array[], query: Uint8Array[]) => {
  const set = new Set(hexes(stored));
  return hexes(query).every((q) => set.has(q));
};

describe('blind index', () => {
  it('normalises with NFKC and full case folding', () => {
    assert.equal(normalizeText('STRASSE'), normalizeText('Straße'));
    assert.equal(normalizeText('ﬁle'), 'file');
    assert.equal(normalizeText('Ｊｏｈｎ'), 'john');
    assert.equal(normalizeText('e\u0301'), 'é');
    assert.deepEqual(tokenize('John-Paul, john; JOHN! Zoë 42'), ['john', 'paul', 'zoë', '42']);
  });

  it('finds a record by a whole word, whatever its case or Unicode form', () => {
    const stored = blindIndexTokens(key, 'Dinner with Zoë Müller');
    assert.ok(matches(stored, blindSearchTokens(key, 'ZOË')));
    assert.ok(matches(stored, blindSearchTokens(key, 'mu\u0308ller dinner')));
    assert.ok(!matches(stored, blindSearchTokens(key, 'lunch')));
  });

  it('prefix tokens: "joh" finds "John" only when prefixes were indexed', () => {
    assert.deepEqual(indexTerms('John', { prefixMin: 2 }), ['john', 'jo', 'joh']);
    assert.ok(matches(blindIndexTokens(key, 'John Smith', { prefixMin: 3 }), blindSearchTokens(key, 'joh')));
    assert.ok(!matches(blindIndexTokens(key, 'John Smith'), blindSearchTokens(key, 'joh')));
  });

  it('a separate key per field: the same word gives unrelated tokens in another field', () => {
    const other = deriveBlindIndexKey(account, 'people', 'notes');
    assert.ok(!matches(blindIndexTokens(other, 'john'), blindSearchTokens(key, 'john')));
    assert.ok(
      !matches(
        blindIndexTokens(deriveBlindIndexKey(generateAccountKey(), 'people', 'name'), 'john'),
        blindSearchTokens(key, 'john'),
      ),
    );
  });

  it('truncates to the requested bits, masking the last partial byte', () => {
    for (const bits of [8, 12, 32, 61, 256]) {
      const [token] = blindIndexTokens(key, 'john', { bits });
      assert.equal(token?.length, Math.ceil(bits / 8));
      const spare = Math.ceil(bits / 8) * 8 - bits;
      assert.equal((token?.[token.length - 1] ?? 0) & ((1 << spare) - 1), 0);
    }
    assert.equal(
      errorCode(() => blindIndexTokens(key, 'x', { bits: 4 })),
      'AURA_INVALID_INPUT',
    );
    assert.equal(
      errorCode(() => blindIndexTokens(key, 'x', { bits: 257 })),
      'AURA_INVALID_INPUT',
    );
  });

  it('property: every word of a text is found by searching for it, in any case', () => {
    const word = fc.stringMatching(/^[a-zäöüéß0-9]{1,12}$/);
    fc.assert(
      fc.property(fc.array(word, { minLength: 1, maxLength: 8 }), fc.nat(), (words, pick) => {
        const stored = blindIndexTokens(key, words.join(' '));
        const query = words[pick % words.length] ?? '';
        return matches(stored, blindSearchTokens(key, query.toUpperCase()));
      }),
    );
  });

  it('refuses a key of another purpose', () => {
    assert.equal(
      errorCode(() => blindIndexTokens(account, 'x')),
      'AURA_INVALID_INPUT',
    );
  });
});
