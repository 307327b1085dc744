import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { junkValues } from '@aura/testing';
import {
  DEFAULT_KDF_PARAMS,
  deriveBlindIndexKey,
  deriveCollectionKey,
  deriveKdfSalt,
  deriveKeyEncryptionKey,
  deriveMasterKey,
  deriveSrpPrivateKey,
  generateAccountKey,
  generateKdfSeed,
  openEnvelope,
  sealEnvelope,
  unwrapAccountKey,
  wrapAccountKey,
} from '../src/index.ts';
import { errorCode } from './vectors/report.ts';

const owner = 'alice@example.com';

describe('key hierarchy', () => {
  it('registration, login and a password change: only the account key is re-wrapped, data still opens', async () => {
    // Registration
    const seed = generateKdfSeed();
    const master = await deriveMasterKey('first password', owner, seed, DEFAULT_KDF_PARAMS);
    const accountKey = generateAccountKey();
    const wrapped = wrapAccountKey(deriveKeyEncryptionKey(master), accountKey, { owner, params: master.params });
    const slot = { userId: owner, collection: 'contexts', recordId: 'r1' };
    const record = sealEnvelope(deriveCollectionKey(accountKey, 'contexts'), slot, new TextEncoder().encode('note'));

    // Login on another device: same password, same seed, same keys
    const again = await deriveMasterKey('first password', owner, seed, DEFAULT_KDF_PARAMS);
    assert.equal(deriveSrpPrivateKey(again), deriveSrpPrivateKey(master));
    const unwrapped = unwrapAccountKey(
      deriveKeyEncryptionKey(again),
      wrapped,
      { owner, params: again.params },
      accountKey.id,
    );
    assert.deepEqual(unwrapped.bytes, accountKey.bytes);

    // Password change: new seed and master key, same account key; the record is untouched
    const newSeed = generateKdfSeed();
    const newMaster = await deriveMasterKey('second password', owner, newSeed, DEFAULT_KDF_PARAMS);
    const rewrapped = wrapAccountKey(deriveKeyEncryptionKey(newMaster), unwrapped, { owner, params: newMaster.params });
    assert.notEqual(deriveSrpPrivateKey(newMaster), deriveSrpPrivateKey(master));
    const afterChange = unwrapAccountKey(deriveKeyEncryptionKey(newMaster), rewrapped, {
      owner,
      params: newMaster.params,
    });
    const opened = openEnvelope(deriveCollectionKey(afterChange, 'contexts'), slot, record);
    assert.equal(new TextDecoder().decode(opened), 'note');
    // The old password no longer opens the new wrapping
    assert.equal(
      errorCode(() => unwrapAccountKey(deriveKeyEncryptionKey(master), rewrapped, { owner, params: master.params })),
      'AURA_CRYPTO_DECRYPT_FAILED',
    );
  });

  it('derives distinct keys and ids per purpose, collection, version and field', () => {
    const account = generateAccountKey();
    const keys = [
      deriveCollectionKey(account, 'contexts'),
      deriveCollectionKey(account, 'contexts', 2),
      deriveCollectionKey(account, 'people'),
      deriveBlindIndexKey(account, 'contexts', 'text'),
      deriveBlindIndexKey(account, 'contexts', 'type'),
      deriveBlindIndexKey(account, 'people', 'text'),
    ];
    assert.equal(new Set(keys.map((k) => Buffer.from(k.bytes).toString('hex'))).size, keys.length);
    assert.equal(new Set(keys.map((k) => Buffer.from(k.id).toString('hex'))).size, keys.length);
    assert.deepEqual(deriveCollectionKey(account, 'contexts').bytes, keys[0]?.bytes);
  });

  it('refuses bad names and versions with AURA_INVALID_INPUT', () => {
    const account = generateAccountKey();
    assert.equal(
      errorCode(() => deriveCollectionKey(account, '')),
      'AURA_INVALID_INPUT',
    );
    assert.equal(
      errorCode(() => deriveCollectionKey(account, 'a\0b')),
      'AURA_INVALID_INPUT',
    );
    assert.equal(
      errorCode(() => deriveCollectionKey(account, 'c', 0)),
      'AURA_INVALID_INPUT',
    );
    assert.equal(
      errorCode(() => deriveCollectionKey(deriveCollectionKey(account, 'c'), 'c')),
      'AURA_INVALID_INPUT',
    );
    assert.equal(
      errorCode(() => deriveKdfSalt(owner, new Uint8Array(4))),
      'AURA_INVALID_INPUT',
    );
    for (const { name, value } of junkValues) {
      assert.equal(
        errorCode(() => deriveCollectionKey(account, value as string)),
        'AURA_INVALID_INPUT',
        name,
      );
      // (undefined is the default version, 1.)
      if (value !== undefined)
        assert.equal(
          errorCode(() => deriveCollectionKey(account, 'c', value as number)),
          'AURA_INVALID_INPUT',
          name,
        );
    }
  });
});
