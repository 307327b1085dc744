import { deriveCollectionKey, hkdfSha256, readEnvelopeHeader, type SymmetricKey } from '@aura/crypto';
import { AuraError } from '@aura/errors';
import type { CollectionName } from './records.ts';

/** Which key version each collection is at. Stored encrypted in the vault (see Vault). */
export interface KeyringState {
  collections: Partial<Record<CollectionName, { current: number; rotatingTo?: number; retiredBelow?: number }>>;
}

const KEYRING_LABEL = 'aura/keyring';

/** A fixed record id per account, so every device finds the keyring without asking anyone. */
export function keyringRecordId(accountKey: SymmetricKey): string {
  const b = hkdfSha256(accountKey.bytes, undefined, 'aura/v1/keyring-record-id', 16);
  b[6] = ((b[6] ?? 0) & 0x0f) | 0x40; // a version-4 UUID
  b[8] = ((b[8] ?? 0) & 0x3f) | 0x80;
  const h = Array.from(b, (x) => x.toString(16).padStart(2, '0')).join('');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
}

export const keyringKey = (accountKey: SymmetricKey) => deriveCollectionKey(accountKey, KEYRING_LABEL, 1);

export class Keyring {
  readonly #cache = new Map<string, SymmetricKey>();

  constructor(
    readonly accountKey: SymmetricKey,
    public state: KeyringState,
  ) {}

  #key(collection: CollectionName, version: number): SymmetricKey {
    const name = `${collection}/${version}`;
    let key = this.#cache.get(name);
    if (!key) {
      key = deriveCollectionKey(this.accountKey, collection, version);
      this.#cache.set(name, key);
    }
    return key;
  }

  #entry(collection: CollectionName) {
    return this.state.collections[collection] ?? { current: 1 };
  }

  /** New envelopes go under the rotation target while a rotation runs. */
  writeKey(collection: CollectionName): SymmetricKey {
    const entry = this.#entry(collection);
    return this.#key(collection, entry.rotatingTo ?? entry.current);
  }

  /** The key an envelope names, among the versions this collection may use; retired ones are refused. */
  readKey(collection: CollectionName, envelope: Uint8Array): SymmetricKey {
    const entry = this.#entry(collection);
    const { keyId } = readEnvelopeHeader(envelope);
    const newest = entry.rotatingTo ?? entry.current;
    for (let version = newest; version >= (entry.retiredBelow ?? 1); version--) {
      const key = this.#key(collection, version);
      if (key.id.every((b, i) => b === keyId[i])) return key;
    }
    throw new AuraError(
      'AURA_CRYPTO_DECRYPT_FAILED',
      'the data could not be decrypted: it was altered, or belongs to another key or record',
    );
  }

  isCurrent(collection: CollectionName, envelope: Uint8Array): boolean {
    const key = this.writeKey(collection);
    const { keyId } = readEnvelopeHeader(envelope);
    return key.id.every((b, i) => b === keyId[i]);
  }
}
