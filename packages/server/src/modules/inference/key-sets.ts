import { AuraError } from '@aura/errors';
import type { GaloisKeys } from '@aura/he/server';
import type pg from 'pg';
import type { HeModel } from './he-model.ts';

interface Loaded {
  keySetId: string;
  keys: GaloisKeys;
  /** Evaluations using the keys now: an evicted set is deleted when the last one ends. */
  users: number;
  evicted: boolean;
}

/**
 * Each device's Galois keys: stored in he_key_sets, and the last few loaded into SEAL kept in
 * memory (a loaded set is about 5.6 MB of WebAssembly memory, loading one about 30 ms). Another
 * server process may have taken a newer upload, so a key set id this cache does not know is
 * looked up again before it is refused.
 */
export class KeySets {
  readonly #loaded = new Map<string, Loaded>();
  constructor(
    private readonly pool: pg.Pool,
    private readonly limit = 8,
  ) {}

  async upload(model: HeModel, userId: string, deviceId: string, galoisKeys: Uint8Array, keySetId: string) {
    const keys = model.evaluator.loadKeys(galoisKeys);
    await this.pool.query(
      `INSERT INTO he_key_sets (device_id, user_id, key_set_id, galois_keys) VALUES ($1, $2, $3, $4)
       ON CONFLICT (device_id) DO UPDATE SET key_set_id = $3, galois_keys = $4, uploaded_at = now()`,
      [deviceId, userId, keySetId, Buffer.from(galoisKeys.buffer, galoisKeys.byteOffset, galoisKeys.byteLength)],
    );
    this.#remember(deviceId, { keySetId, keys, users: 0, evicted: false });
  }

  /**
   * `work` with the keys of `deviceId` named `keySetId` (AURA_HE_FOREIGN_KEY when the device
   * uploaded another set), which stay loaded until it settles even if the cache lets them go.
   */
  async use<T>(model: HeModel, deviceId: string, keySetId: string, work: (keys: GaloisKeys) => Promise<T>) {
    const loaded = await this.#loadedFor(model, deviceId, keySetId);
    loaded.users++;
    try {
      return await work(loaded.keys);
    } finally {
      loaded.users--;
      if (loaded.evicted && loaded.users === 0) loaded.keys.delete();
    }
  }

  async #loadedFor(model: HeModel, deviceId: string, keySetId: string): Promise<Loaded> {
    const cached = this.#loaded.get(deviceId);
    if (cached?.keySetId === keySetId) {
      this.#loaded.delete(deviceId);
      this.#loaded.set(deviceId, cached);
      return cached;
    }
    const { rows } = await this.pool.query<{ key_set_id: string; galois_keys: Buffer }>(
      'SELECT key_set_id, galois_keys FROM he_key_sets WHERE device_id = $1',
      [deviceId],
    );
    const row = rows[0];
    if (!row)
      throw new AuraError('AURA_HE_KEYS_REQUIRED', 'this device has uploaded no homomorphic-inference keys yet');
    if (row.key_set_id !== keySetId)
      throw new AuraError(
        'AURA_HE_FOREIGN_KEY',
        "the ciphertext names a key set this device did not upload: it was made under another device's keys",
      );
    const loaded = {
      keySetId,
      keys: model.evaluator.loadKeys(new Uint8Array(row.galois_keys)),
      users: 0,
      evicted: false,
    };
    this.#remember(deviceId, loaded);
    return loaded;
  }

  #remember(deviceId: string, loaded: Loaded) {
    this.#forget(deviceId);
    this.#loaded.set(deviceId, loaded);
    while (this.#loaded.size > this.limit) this.#forget(this.#loaded.keys().next().value as string);
  }

  #forget(deviceId: string) {
    const loaded = this.#loaded.get(deviceId);
    this.#loaded.delete(deviceId);
    if (!loaded) return;
    loaded.evicted = true;
    if (loaded.users === 0) loaded.keys.delete();
  }

  close() {
    for (const id of [...this.#loaded.keys()]) this.#forget(id);
  }
}
