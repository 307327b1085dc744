import type { HeKeyStore, StoredHeKeys } from '@aura/assistant';
import type { ClientState, IndexCache, StateStore } from '@aura/client';
import { clear, createStore, get, set } from 'idb-keyval';

/**
 * This browser's device state in IndexedDB, readable by this origin alone: the device's key
 * pairs and the session (the account key sealed to the device key, never in the clear). The
 * same trust as the CLI's 0600 file (docs/decisions/0005); docs/decisions/0013 says more.
 */
export class IndexedDbStateStore implements StateStore {
  readonly #store = createStore('aura-device', 'keyval');

  async load(): Promise<ClientState> {
    return (await get<ClientState>('state', this.#store)) ?? {};
  }

  async save(state: ClientState): Promise<void> {
    await set('state', state, this.#store);
  }
}

/**
 * This browser's CKKS secret key for the encrypted intent path and the name of the Galois keys
 * it uploaded, beside the device state and with the same trust.
 */
export class IndexedDbHeKeyStore implements HeKeyStore {
  readonly #store = createStore('aura-device', 'keyval');

  load(): Promise<StoredHeKeys | undefined> {
    return get<StoredHeKeys>('he-keys', this.#store);
  }

  async save(keys: StoredHeKeys): Promise<void> {
    await set('he-keys', keys, this.#store);
  }
}

/**
 * The search index this browser decrypted, kept between visits so that a search after sign-in
 * opens only the vectors it lacks (Memory seals each snapshot under the account key with
 * Vault.sealLocal before it is saved here: this store holds ciphertext only).
 */
export class IndexedDbIndexCache implements IndexCache {
  readonly #store = createStore('aura-memory', 'keyval');

  load(name: string): Promise<Uint8Array | undefined> {
    return get<Uint8Array>(name, this.#store);
  }

  async save(name: string, bytes: Uint8Array): Promise<void> {
    await set(name, bytes, this.#store);
  }

  /** Forgets every saved index (log out). */
  async clear(): Promise<void> {
    await clear(this.#store);
  }
}
