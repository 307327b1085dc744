import {
  blindIndexTokens,
  blindSearchTokens,
  deriveBlindIndexKey,
  openEnvelope,
  type SymmetricKey,
  sealEnvelope,
} from '@aura/crypto';
import { AuraError, isAuraError } from '@aura/errors';
import { fromBase64, fromUtf8, sha256, toBase64, utf8 } from './encoding.ts';
import type { Api } from './http.ts';
import { Keyring, type KeyringState, keyringKey, keyringRecordId } from './keyring.ts';
import { API_PATHS, type CollectionName, type RecordData, searchableText, type VaultRecord } from './records.ts';

/** A record as the server holds it: opaque to the server, checked by us. */
interface WireRecord {
  id: string;
  version: number;
  encryptedData: string;
  searchTokens: string[];
  createdAt: string;
  updatedAt: string;
  expiresAt: string | null;
}

/** Inside every envelope: the record's version, so a replayed older ciphertext is caught (M7). */
interface Payload<T> {
  v: number;
  data: T;
}

export interface PutOptions {
  id?: string;
  expiresAt?: Date | string;
  /** Replace the record holding all of these words in its searchable text (the spec's learn). */
  replaceMatching?: string;
}

export type Progress = (done: number, total: number) => void;

const misbehaved = (what: string) => new AuraError('AURA_SERVER_MISBEHAVED', `${what}; the answer was not used`);

/**
 * The encrypted vault. Every record is sealed to its slot (user, collection, id) with the
 * collection's current key; the slot is rebuilt here from what we asked for, never taken from
 * the server (M6), and the version inside the envelope must match the server's claim and never
 * go back (M7).
 */
export class Vault {
  #keyring: Keyring | undefined;

  constructor(
    private readonly api: Api,
    private readonly userId: string,
    private readonly accountKey: SymmetricKey,
    private readonly seenVersions: Record<string, number>,
    private readonly persistSeen: () => Promise<void>,
  ) {}

  #tokenKey(collection: CollectionName) {
    return deriveBlindIndexKey(this.accountKey, collection, 'text');
  }

  async #keyringRecord(): Promise<{ state: KeyringState; version: number | null }> {
    const id = keyringRecordId(this.accountKey);
    try {
      const wire = await this.api.request<WireRecord>('GET', `${API_PATHS.contexts}/${id}`);
      const payload = this.#open<KeyringState>(keyringKey(this.accountKey), 'contexts', id, wire);
      return { state: payload, version: wire.version };
    } catch (error) {
      if (isAuraError(error, 'AURA_NOT_FOUND')) return { state: { collections: {} }, version: null };
      throw error;
    }
  }

  async keyring(): Promise<Keyring> {
    if (!this.#keyring) this.#keyring = new Keyring(this.accountKey, (await this.#keyringRecord()).state);
    return this.#keyring;
  }

  async #saveKeyring(state: KeyringState): Promise<void> {
    const id = keyringRecordId(this.accountKey);
    const { version } = await this.#keyringRecord();
    const body = await this.#seal(keyringKey(this.accountKey), 'contexts', id, state, (version ?? 0) + 1, '');
    if (version === null) await this.api.request('POST', API_PATHS.contexts, { id, ...body });
    else await this.api.request('PUT', `${API_PATHS.contexts}/${id}`, { ...body, version });
    this.#keyring = new Keyring(this.accountKey, state);
  }

  async #seal<T>(key: SymmetricKey, collection: CollectionName, id: string, data: T, version: number, text: string) {
    const payload: Payload<T> = { v: version, data };
    const envelope = sealEnvelope(
      key,
      { userId: this.userId, collection, recordId: id },
      utf8(JSON.stringify(payload)),
      {
        pad: true,
      },
    );
    const tokens = text ? blindIndexTokens(this.#tokenKey(collection), text, { prefixMin: 3 }) : [];
    return {
      encryptedData: toBase64(envelope),
      searchTokens: tokens.map(toBase64),
      checksum: toBase64(await sha256(envelope)),
      nonce: toBase64(envelope.subarray(19, 43)),
    };
  }

  #open<T>(key: SymmetricKey, collection: CollectionName, expectedId: string, wire: WireRecord): T {
    if (wire.id !== expectedId) throw misbehaved(`asked for record ${expectedId}, the server sent ${wire.id}`);
    const plaintext = openEnvelope(
      key,
      { userId: this.userId, collection, recordId: expectedId },
      fromBase64(wire.encryptedData),
    );
    const payload = JSON.parse(fromUtf8(plaintext)) as Payload<T>;
    const seen = this.seenVersions[`${collection}/${expectedId}`] ?? 0;
    if (payload.v !== wire.version || wire.version < seen) {
      throw new AuraError(
        'AURA_ROLLBACK_DETECTED',
        `record ${expectedId} came back at version ${payload.v} (server says ${wire.version}) after this device saw version ${seen}; it is not shown`,
      );
    }
    this.seenVersions[`${collection}/${expectedId}`] = wire.version;
    return payload.data;
  }

  async #toRecord<C extends CollectionName>(
    collection: C,
    wire: WireRecord,
    expectedId = wire.id,
  ): Promise<VaultRecord<C>> {
    const keyring = await this.keyring();
    const key = keyring.readKey(collection, fromBase64(wire.encryptedData));
    const data = this.#open<RecordData[C]>(key, collection, expectedId, wire);
    return {
      id: wire.id,
      collection,
      version: wire.version,
      data,
      createdAt: wire.createdAt,
      updatedAt: wire.updatedAt,
      expiresAt: wire.expiresAt,
    };
  }

  async put<C extends CollectionName>(
    collection: C,
    data: RecordData[C],
    options: PutOptions = {},
  ): Promise<VaultRecord<C>> {
    const id = options.id ?? crypto.randomUUID();
    const keyring = await this.keyring();
    const body = {
      id,
      ...(await this.#seal(keyring.writeKey(collection), collection, id, data, 1, searchableText(collection, data))),
      ...(options.expiresAt ? { expiresAt: new Date(options.expiresAt).toISOString() } : {}),
    };
    let wire: WireRecord;
    if (options.replaceMatching) {
      const matchTokens = blindSearchTokens(this.#tokenKey(collection), options.replaceMatching).map(toBase64);
      await this.api.request('POST', `${API_PATHS[collection]}/learn`, { record: body, matchTokens });
      wire = await this.api.request<WireRecord>('GET', `${API_PATHS[collection]}/${id}`);
    } else {
      wire = await this.api.request<WireRecord>('POST', API_PATHS[collection], body);
    }
    const record = await this.#toRecord(collection, wire, id);
    await this.persistSeen();
    return record;
  }

  async get<C extends CollectionName>(collection: C, id: string): Promise<VaultRecord<C>> {
    const wire = await this.api.request<WireRecord>('GET', `${API_PATHS[collection]}/${encodeURIComponent(id)}`);
    const record = await this.#toRecord(collection, wire, id);
    await this.persistSeen();
    return record;
  }

  /** Updates with the version this device last read; AURA_CONFLICT when someone was faster. */
  async update<C extends CollectionName>(
    collection: C,
    record: VaultRecord<C>,
    data: RecordData[C],
  ): Promise<VaultRecord<C>> {
    const keyring = await this.keyring();
    const body = {
      ...(await this.#seal(
        keyring.writeKey(collection),
        collection,
        record.id,
        data,
        record.version + 1,
        searchableText(collection, data),
      )),
      ...(record.expiresAt ? { expiresAt: record.expiresAt } : {}),
      version: record.version,
    };
    const wire = await this.api.request<WireRecord>('PUT', `${API_PATHS[collection]}/${record.id}`, body);
    const updated = await this.#toRecord(collection, wire, record.id);
    await this.persistSeen();
    return updated;
  }

  async delete(collection: CollectionName, id: string): Promise<void> {
    await this.api.request('DELETE', `${API_PATHS[collection]}/${encodeURIComponent(id)}`);
  }

  async list<C extends CollectionName>(
    collection: C,
    options: { includeExpired?: boolean } = {},
  ): Promise<VaultRecord<C>[]> {
    const keyringId = keyringRecordId(this.accountKey);
    const records: VaultRecord<C>[] = [];
    let cursor: string | null = null;
    do {
      const query = new URLSearchParams({ limit: '500', includeExpired: String(options.includeExpired ?? false) });
      if (cursor) query.set('cursor', cursor);
      const page: { records: WireRecord[]; nextCursor: string | null } = await this.api.request(
        'GET',
        `${API_PATHS[collection]}?${query}`,
      );
      for (const wire of page.records) {
        if (collection === 'contexts' && wire.id === keyringId) continue;
        records.push(await this.#toRecord(collection, wire));
      }
      cursor = page.nextCursor;
    } while (cursor);
    await this.persistSeen();
    return records;
  }

  /** Keyword search through blind-index tokens; every word must match (prefixes of 3+ letters too). */
  async search<C extends CollectionName>(collection: C, query: string): Promise<VaultRecord<C>[]> {
    const tokens = blindSearchTokens(this.#tokenKey(collection), query).map(toBase64);
    if (tokens.length === 0) return [];
    const page = await this.api.request<{ records: WireRecord[] }>('POST', `${API_PATHS[collection]}/search`, {
      tokens,
      mode: 'all',
    });
    const keyringId = keyringRecordId(this.accountKey);
    const found: VaultRecord<C>[] = [];
    for (const wire of page.records) {
      if (wire.id === keyringId) continue;
      found.push(await this.#toRecord(collection, wire));
    }
    await this.persistSeen();
    return found;
  }

  /**
   * Re-encrypts a collection under a new key version and retires the old ones. Resumable: the
   * target version is written to the keyring first, and a second call finishes the same rotation.
   */
  async rotate(
    collection: CollectionName,
    onProgress: Progress = () => {},
  ): Promise<{ version: number; reencrypted: number }> {
    const keyring = await this.keyring();
    const entry = keyring.state.collections[collection] ?? { current: 1 };
    const target = entry.rotatingTo ?? entry.current + 1;
    if (entry.rotatingTo === undefined) {
      await this.#saveKeyring({
        collections: { ...keyring.state.collections, [collection]: { ...entry, rotatingTo: target } },
      });
    }
    const rotating = await this.keyring();
    const records = await this.list(collection, { includeExpired: true });
    let done = 0;
    let reencrypted = 0;
    for (const record of records) {
      for (let attempt = 0; ; attempt++) {
        const wire = await this.api.request<WireRecord>('GET', `${API_PATHS[collection]}/${record.id}`);
        if (rotating.isCurrent(collection, fromBase64(wire.encryptedData))) break;
        const fresh = await this.#toRecord(collection, wire, record.id);
        try {
          await this.update(collection, fresh, fresh.data);
          reencrypted++;
          break;
        } catch (error) {
          if (!isAuraError(error, 'AURA_CONFLICT') || attempt > 3) throw error;
        }
      }
      onProgress(++done, records.length);
    }
    await this.#saveKeyring({
      collections: { ...rotating.state.collections, [collection]: { current: target, retiredBelow: target } },
    });
    await this.api.request('POST', '/api/v1/audit/entries', {
      eventType: 'key_rotation',
      action: `rotate ${collection} to version ${target}`,
      result: 'success',
      targetId: collection,
    });
    return { version: target, reencrypted };
  }
}
