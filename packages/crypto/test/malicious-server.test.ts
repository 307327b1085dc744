import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import sodium from 'libsodium-wrappers';
import * as crypto from '../src/index.ts';
import {
  DEFAULT_KDF_PARAMS,
  deriveCollectionKey,
  deriveKdfSalt,
  deriveKeyEncryptionKey,
  deriveMasterKey,
  deriveSrpPrivateKey,
  ENVELOPE_VERSION,
  generateAccountKey,
  generateKdfSeed,
  KDF_SEED_BYTES,
  normalizeIdentifier,
  openEnvelope,
  readEnvelopeHeader,
  SRP_GROUP_2048_SHA256,
  sealEnvelope,
  srpVerifier,
  unwrapAccountKey,
  wrapAccountKey,
} from '../src/index.ts';
import { lengthPrefixed } from './length-prefixed.ts';
import { errorCode, errorCodeAsync } from './vectors/report.ts';

/** ARCHITECTURE.md §7, the lines the crypto package owns. Each test is a server trying it. */
const owner = 'bob@example.com';
const slot = { userId: 'bob', collection: 'contexts', recordId: 'r1' };
const text = (s: string) => new TextEncoder().encode(s);

describe('malicious-server checklist (crypto lines)', () => {
  it('M1: a server that lowers the KDF parameters, or relabels the stored ones, is refused', async () => {
    for (const params of [
      { algorithm: 'argon2id' as const, t: 1, m: 65536, p: 1 },
      { algorithm: 'argon2id' as const, t: 3, m: 1024, p: 1 },
      { algorithm: 'argon2id' as const, t: 3, m: 65536, p: 0 },
    ]) {
      assert.equal(
        await errorCodeAsync(() => deriveMasterKey('pw', owner, generateKdfSeed(), params)),
        'AURA_CRYPTO_KDF_TOO_WEAK',
      );
    }
    const master = await deriveMasterKey('pw', owner, generateKdfSeed(), DEFAULT_KDF_PARAMS);
    const kek = deriveKeyEncryptionKey(master);
    const wrapped = wrapAccountKey(kek, generateAccountKey(), { owner, params: master.params });
    const relabelled = { ...DEFAULT_KDF_PARAMS, t: 4 };
    assert.equal(
      errorCode(() => unwrapAccountKey(kek, wrapped, { owner, params: relabelled })),
      'AURA_CRYPTO_DECRYPT_FAILED',
    );
  });

  it('M2: one seed served to everyone still gives every account its own salt', () => {
    const seed = generateKdfSeed();
    const salts = ['a@x.org', 'b@x.org', 'c@x.org'].map((id) => Buffer.from(deriveKdfSalt(id, seed)).toString('hex'));
    assert.equal(new Set(salts).size, 3);
    assert.equal(Buffer.from(deriveKdfSalt('A@X.org', seed)).toString('hex'), salts[0]);
  });

  it('M2: two accounts served one seed get different master keys and verifiers (public API, same password)', async () => {
    const seed = new Uint8Array(KDF_SEED_BYTES).fill(7); // the one seed a hostile server hands everyone
    const [alice, bob, aliceAgain] = await Promise.all(
      ['alice@example.org', 'bob@example.org', ' ALICE@example.org '].map((id) =>
        deriveMasterKey('the same password', id, seed, DEFAULT_KDF_PARAMS),
      ),
    );
    assert.ok(alice && bob && aliceAgain);
    assert.notDeepEqual(alice.bytes, bob.bytes, 'a table built for one account is useless for another');
    assert.notEqual(
      srpVerifier(SRP_GROUP_2048_SHA256, deriveSrpPrivateKey(alice)),
      srpVerifier(SRP_GROUP_2048_SHA256, deriveSrpPrivateKey(bob)),
    );
    assert.deepEqual(aliceAgain.bytes, alice.bytes, 'the identifier is normalised, so login still works');
    // And the seed still counts: a new seed for the same account is a new key.
    const reseeded = await deriveMasterKey(
      'the same password',
      'alice@example.org',
      generateKdfSeed(),
      DEFAULT_KDF_PARAMS,
    );
    assert.notDeepEqual(reseeded.bytes, alice.bytes);
  });

  it('M2 (property): salt = SHA-256("aura/v1/kdf-salt" 0x00 || lp(normalised id) || seed)[0..16], so it depends on both', () => {
    // The construction, written out independently of the implementation (node:crypto, not @noble).
    const reference = (id: string, seed: Uint8Array) => {
      const idBytes = Buffer.from(id.normalize('NFKC').trim().toLowerCase());
      const length = Buffer.alloc(4);
      length.writeUInt32BE(idBytes.length);
      return createHash('sha256')
        .update(Buffer.concat([Buffer.from('aura/v1/kdf-salt\0'), length, idBytes, seed]))
        .digest()
        .subarray(0, 16)
        .toString('hex');
    };
    const hexSalt = (id: string, seed: Uint8Array) => Buffer.from(deriveKdfSalt(id, seed)).toString('hex');
    // A frozen value: changing the construction would lock every existing account out.
    const fixedSeed = Uint8Array.from({ length: 16 }, (_, i) => i);
    assert.equal(hexSalt('Alice@Example.org', fixedSeed), '61ea9d779413e8a3d07c46cfa597468c');
    const identifier = fc.string({ minLength: 1, maxLength: 40 }).filter((s) => s.normalize('NFKC').trim().length > 0);
    const seedArb = fc.uint8Array({ minLength: KDF_SEED_BYTES, maxLength: KDF_SEED_BYTES });
    fc.assert(
      fc.property(identifier, seedArb, (id, seed) => hexSalt(id, seed) === reference(id, seed)),
      { numRuns: 300 },
    );
    fc.assert(
      fc.property(identifier, identifier, seedArb, (a, b, seed) => {
        fc.pre(normalizeIdentifier(a) !== normalizeIdentifier(b));
        return hexSalt(a, seed) !== hexSalt(b, seed);
      }),
      { numRuns: 300 },
    );
    fc.assert(
      fc.property(identifier, seedArb, seedArb, (id, s1, s2) => {
        fc.pre(Buffer.compare(Buffer.from(s1), Buffer.from(s2)) !== 0);
        return hexSalt(id, s1) !== hexSalt(id, s2);
      }),
      { numRuns: 300 },
    );
  });

  it('M4: relabelling the version, algorithm or flags, or stripping the tag, is refused; no unauthenticated decrypt is exported', () => {
    const key = deriveCollectionKey(generateAccountKey(), 'contexts');
    const env = sealEnvelope(key, slot, text('x'));
    for (const [offset, value] of [
      [0, 0],
      [0, 2],
      [1, 2],
      [2, 1],
      [2, 0x80],
    ] as const) {
      const bad = env.slice();
      bad[offset] = value;
      assert.equal(
        errorCode(() => openEnvelope(key, slot, bad)),
        'AURA_CRYPTO_DECRYPT_FAILED',
      );
    }
    assert.equal(
      errorCode(() => openEnvelope(key, slot, env.subarray(0, env.length - 16))),
      'AURA_CRYPTO_DECRYPT_FAILED',
    );
    const exported = Object.keys(crypto);
    for (const name of exported)
      assert.doesNotMatch(name, /xchacha|chacha|decrypt|aead/i, `${name} must not be public`);
  });

  it('M4: every other value of the version byte is refused; readEnvelopeHeader calls it a format to update for', () => {
    const key = deriveCollectionKey(generateAccountKey(), 'contexts');
    const env = sealEnvelope(key, slot, text('x'), { pad: true });
    assert.equal(env[0], ENVELOPE_VERSION);
    for (let version = 0; version < 256; version++) {
      if (version === ENVELOPE_VERSION) continue;
      const bad = env.slice();
      bad[0] = version;
      assert.equal(
        errorCode(() => openEnvelope(key, slot, bad)),
        'AURA_CRYPTO_DECRYPT_FAILED',
        `version ${version}`,
      );
      assert.equal(
        errorCode(() => readEnvelopeHeader(bad)),
        'AURA_CRYPTO_UNSUPPORTED_FORMAT',
        `version ${version}`,
      );
    }
    assert.deepEqual(openEnvelope(key, slot, env), text('x'));
  });

  it('M4: the version byte is inside the AD: a reader that skipped the version check would still fail the tag', async () => {
    // Checked from docs/envelope-format.md with libsodium, not with Aura's own open path.
    await sodium.ready;
    const key = deriveCollectionKey(generateAccountKey(), 'contexts');
    const env = sealEnvelope(key, slot, text('downgrade me'));
    const lp = lengthPrefixed;
    const adFor = (header: Uint8Array) =>
      new Uint8Array([
        ...text('aura/v1/envelope\0'),
        ...header.subarray(0, 19),
        ...lp(slot.userId),
        ...lp(slot.collection),
        ...lp(slot.recordId),
      ]);
    const open = (envelope: Uint8Array) => {
      try {
        return sodium.crypto_aead_xchacha20poly1305_ietf_decrypt(
          null,
          envelope.subarray(43),
          adFor(envelope),
          envelope.subarray(19, 43),
          key.bytes,
        );
      } catch {
        return null;
      }
    };
    const opened = open(env);
    assert.ok(opened, 'the untouched envelope opens');
    assert.deepEqual(new Uint8Array(opened), text('downgrade me'));
    for (const [offset, value] of [
      [0, 0],
      [0, 2],
      [1, 2],
      [2, 1],
    ] as const) {
      const relabelled = env.slice();
      relabelled[offset] = value;
      assert.equal(open(relabelled), null, `byte ${offset} = ${value} is authenticated`);
    }
  });

  it('M5: an overwritten wrapped key is refused; the key id is checked after unwrap', async () => {
    const master = await deriveMasterKey('pw', owner, generateKdfSeed(), DEFAULT_KDF_PARAMS);
    const kek = deriveKeyEncryptionKey(master);
    const current = generateAccountKey();
    const context = { owner, params: master.params };
    // The server swaps in another user's wrapped key.
    const mallory = await deriveMasterKey('pw', 'mallory@example.com', generateKdfSeed(), DEFAULT_KDF_PARAMS);
    const foreign = wrapAccountKey(deriveKeyEncryptionKey(mallory), generateAccountKey(), {
      owner: 'mallory@example.com',
      params: mallory.params,
    });
    assert.equal(
      errorCode(() => unwrapAccountKey(kek, foreign, context, current.id)),
      'AURA_CRYPTO_DECRYPT_FAILED',
    );
    // The server serves an older wrapping of a retired account key, genuinely ours.
    const retired = wrapAccountKey(kek, generateAccountKey(), context);
    assert.equal(
      errorCode(() => unwrapAccountKey(kek, retired, context, current.id)),
      'AURA_CRYPTO_DECRYPT_FAILED',
    );
    assert.deepEqual(
      unwrapAccountKey(kek, wrapAccountKey(kek, current, context), context, current.id).bytes,
      current.bytes,
    );
  });

  it('M11: one key per purpose, one context per signature and sealed box', () => {
    const account = generateAccountKey();
    const a = crypto.deriveCollectionKey(account, 'x');
    const b = crypto.deriveBlindIndexKey(account, 'x', 'x');
    assert.notDeepEqual(a.bytes, b.bytes);
    assert.equal(
      errorCode(() => sealEnvelope(b, slot, text('x'))),
      'AURA_INVALID_INPUT',
      'an index key never encrypts',
    );
    assert.equal(
      errorCode(() => sealEnvelope(account, slot, text('x'))),
      'AURA_INVALID_INPUT',
      'the account key only derives',
    );
    assert.equal(
      errorCode(() => crypto.blindIndexTokens(a, 'x')),
      'AURA_INVALID_INPUT',
      'a data key never indexes',
    );
    const signer = crypto.generateEd25519KeyPair();
    const sig = crypto.sign(signer.secretKey, 'approval', text('m'));
    assert.equal(crypto.verifySignature(signer.publicKey, 'support-grant', text('m'), sig), false);
    const recipient = crypto.generateX25519KeyPair();
    const box = crypto.sealTo(recipient.publicKey, 'support-grant', text('k'));
    assert.equal(
      errorCode(() => crypto.openSealed(recipient, 'device-enrollment', box)),
      'AURA_CRYPTO_DECRYPT_FAILED',
    );
  });

  it('M12: no compression; padding puts plaintexts of different lengths in one size bucket', () => {
    const key = deriveCollectionKey(generateAccountKey(), 'contexts');
    const repetitive = text('a'.repeat(1000));
    assert.equal(sealEnvelope(key, slot, repetitive).length, 43 + 1000 + 16, 'ciphertext length = plaintext length');
    const short = sealEnvelope(key, slot, text('yes'), { pad: true });
    const longer = sealEnvelope(key, slot, text('a rather longer answer'), { pad: true });
    assert.equal(short.length, longer.length);
  });

  it('M15: random 24-byte nonces never repeat; a fresh nonce for every wrapped key; ids commit to keys', () => {
    const key = deriveCollectionKey(generateAccountKey(), 'contexts');
    const nonces = new Set<string>();
    for (let i = 0; i < 2000; i++)
      nonces.add(Buffer.from(sealEnvelope(key, slot, text('x')).subarray(19, 43)).toString('hex'));
    assert.equal(nonces.size, 2000);
    const kekAsKek = { ...crypto.generateAccountKey(), purpose: 'kek' as const };
    const account = generateAccountKey();
    const context = { owner, params: DEFAULT_KDF_PARAMS };
    const w1 = wrapAccountKey(kekAsKek, account, context);
    const w2 = wrapAccountKey(kekAsKek, account, context);
    assert.notDeepEqual(w1.subarray(19, 43), w2.subarray(19, 43));
    // An envelope relabelled with another key's id does not open under that key, nor its own.
    const other = deriveCollectionKey(generateAccountKey(), 'contexts');
    const env = sealEnvelope(key, slot, text('x'));
    const relabelled = env.slice();
    relabelled.set(other.id, 3);
    assert.equal(
      errorCode(() => openEnvelope(other, slot, relabelled)),
      'AURA_CRYPTO_DECRYPT_FAILED',
    );
    assert.equal(
      errorCode(() => openEnvelope(key, slot, relabelled)),
      'AURA_CRYPTO_DECRYPT_FAILED',
    );
  });
});
