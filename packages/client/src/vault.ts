import {
  blindIndexTokens,
  blindSearchTokens,
  deriveBlindIndexKey,
  deriveCollectionKey,
  normalizeText,
  openEnvelope,
  readEnvelopeHeader,
  type SymmetricKey,
  sealEnvelope,
  sign,
  tokenize,
} from '@aura/crypto';
import { AuraError, isAuraError } from '@aura/errors';
import {
  AuditReceipt,
  canonicalJson,
  fromBase64,
  LearnResponse,
  type LogLeaves,
  NoContent,
  RecordPage,
  SIGNATURE_CONTEXT,
  type SignedChange,
  StoredRecord,
  toBase64,
  type VaultStatement,
  type WireSchema,
} from '@aura/protocol';
import { fromUtf8, utf8 } from './encoding.ts';
import { type AnswerHeaders, type Api, headersOf } from './http.ts';
import { Keyring, type KeyringState, keyringKey, keyringRecordId } from './keyring.ts';
import { envelopeHash, type Ledger, type LedgerView, logSizeOf, type RecordEntry } from './ledger.ts';
import { decodeEmbedding, type Embedding, encodeEmbedding } from './memory/embedding.ts';
import { API_PATHS, type CollectionName, type RecordData, searchableText, type VaultRecord } from './records.ts';
import { filterHolds, tokenFilter } from './token-filter.ts';

/** The device that signs this session's changes (null for a session of no enrolled device). */
export interface ChangeSigner {
  deviceId: string;
  secretKey: Uint8Array;
}

// A record whose expiry is this close may already be gone on a server whose clock runs ahead.
const EXPIRY_SKEW_MS = 5 * 60 * 1000;
const LIST_ATTEMPTS = 4;
const SEARCH_LIMIT = 500;
const PENDING_BEFORE_REPLAY = 64;

const isLive = (entry: RecordEntry) => entry.e === null || Date.parse(entry.e) > Date.now() + EXPIRY_SKEW_MS;
const inconsistent = (detail: string) => new AuraError('AURA_VAULT_INCONSISTENT', `${detail}; it is not shown`);

/**
 * A vault statement signed by `signer`: the write of `version` of a record (naming its envelope's
 * hash, envelopeHash, and carrying a filter of its search tokens) or its deletion.
 */
export function signVaultChange(
  signer: ChangeSigner,
  change: {
    op: VaultStatement['op'];
    collection: CollectionName;
    recordId: string;
    version: number;
    hash?: string;
    tokens?: Uint8Array[];
    expiresAt?: string | null;
  },
): SignedChange {
  const statement: VaultStatement = {
    kind: 'vault',
    op: change.op,
    collection: change.collection,
    recordId: change.recordId,
    version: change.version,
    hash: change.hash ?? '',
    bloom: change.hash ? toBase64(tokenFilter(change.tokens ?? [])) : '',
    expiresAt: change.expiresAt ?? null,
    deviceId: signer.deviceId,
  };
  const text = canonicalJson(statement);
  return { statement: text, signature: toBase64(sign(signer.secretKey, SIGNATURE_CONTEXT.vault, utf8(text))) };
}

/**
 * Inside every envelope: the record's version, so a replayed older ciphertext is caught (M7), and
 * the hash of the record's sealed vector if it has one, so the signed envelope hash commits to the
 * vector too: a vector swapped, replayed or stripped by the server is refused.
 */
interface Payload<T> {
  v: number;
  data: T;
  e?: string;
}

/** The key label and slot of what a device seals for itself (sealLocal): no collection is named so. */
const LOCAL_SLOT = 'device-local';

/** The slot a record's vector is sealed to: its own, never the record's, so the two cannot be exchanged. */
const embeddingSlot = (collection: CollectionName) => `${collection}#embedding`;

export interface PutOptions {
  id?: string;
  expiresAt?: Date | string;
  /** Replace the record holding all of these words in its searchable text (the spec's learn). */
  replaceMatching?: string;
  /** The record's vector (the spec's encrypted_embedding), sealed with it. */
  embedding?: Embedding;
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
  readonly #opened = new WeakMap<StoredRecord, VaultRecord>();
  /** What each record returned was read from, so its vector can be opened later (embeddingOf). */
  readonly #wireOf = new WeakMap<VaultRecord, StoredRecord>();
  /** The id of the record that holds the keyring: fixed by the account key. */
  readonly #keyringId: string;
  readonly #decoded = new WeakMap<StoredRecord, Uint8Array>();

  /** A record's envelope bytes, decoded once (it is opened, hashed and its header read). */
  #bytes(wire: StoredRecord): Uint8Array {
    let bytes = this.#decoded.get(wire);
    if (!bytes) {
      try {
        bytes = fromBase64(wire.encryptedData);
      } catch {
        throw misbehaved(`record ${wire.id} is not base64`);
      }
      this.#decoded.set(wire, bytes);
    }
    return bytes;
  }

  constructor(
    private readonly api: Api,
    readonly userId: string,
    private readonly accountKey: SymmetricKey,
    private readonly seenVersions: Record<string, number>,
    private readonly ledger: Ledger,
    private readonly signer: ChangeSigner | null,
  ) {
    this.#keyringId = keyringRecordId(accountKey);
  }

  /** The signed statement of one write, checked by the server and replayed by every device. */
  #change(
    collection: CollectionName,
    recordId: string,
    op: VaultStatement['op'],
    version: number,
    sealed?: { hash: string; tokens: Uint8Array[]; expiresAt: string | null },
  ): SignedChange {
    if (!this.signer) {
      throw new AuraError(
        'AURA_DEVICE_REQUIRED',
        'changes to the vault are signed by an enrolled device, and this session has none; run "aura device enroll"',
      );
    }
    return signVaultChange(this.signer, { op, collection, recordId, version, ...sealed });
  }

  /** A write: sent, then remembered as an entry the log must hold (its index comes back with it). */
  async #write<T>(
    method: 'POST' | 'PUT' | 'DELETE',
    path: string,
    schema: WireSchema<T>,
    body: unknown,
    changes: SignedChange[],
  ): Promise<T> {
    const { body: answer, headers } = await this.api.exchange(method, path, schema, body);
    const size = logSizeOf(headers);
    for (const [i, change] of changes.entries()) {
      await this.ledger.expect(size - changes.length + i, change.statement);
    }
    // A device that only writes still checks its writes now and then, and keeps its state small.
    if (this.ledger.pending >= PENDING_BEFORE_REPLAY) await this.ledger.sync();
    return answer;
  }

  /** The state of the vault's history as of the snapshot an answer was read at. */
  #viewFor(headers: AnswerHeaders | undefined, notBefore: number, log?: LogLeaves): Promise<LedgerView> {
    return this.ledger.sync({ asOf: logSizeOf(headers), notBefore }, log);
  }

  /**
   * Refuses a record that is not exactly what the signed history holds for it. The envelope is
   * opened first, so an altered, swapped or replayed ciphertext gets its own error (M4–M7) and
   * the history decides only for what opens.
   */
  async #check(view: LedgerView, collection: CollectionName, wire: StoredRecord, vectors = true) {
    if (collection === 'contexts' && wire.id === this.#keyringId) {
      this.#open<KeyringState>(keyringKey(this.accountKey), 'contexts', wire.id, wire);
    } else {
      await this.#toRecord(collection, wire, wire.id, vectors);
    }
    const expected = view.record(collection, wire.id);
    if (!expected) {
      throw inconsistent(`record ${wire.id} is not in your vault's signed history: the server added or restored it`);
    }
    if (wire.version < expected.v) {
      throw new AuraError(
        'AURA_ROLLBACK_DETECTED',
        `record ${wire.id} came back at version ${wire.version}, but version ${expected.v} was written since; it is not shown`,
      );
    }
    if (wire.version !== expected.v || envelopeHash(this.#bytes(wire)) !== expected.h) {
      throw inconsistent(`record ${wire.id} is not the version ${expected.v} its signed history holds`);
    }
    // The expiry too is signed: a server that moved it could get it purged, or re-signed by an update.
    const expiresAt = wire.expiresAt === null ? null : new Date(wire.expiresAt).toISOString();
    if (expiresAt !== expected.e) {
      throw inconsistent(`record ${wire.id} carries another expiry than its signed history (${expected.e ?? 'none'})`);
    }
  }

  /** A record by id, checked against the history; null when it does not exist (and the history agrees). */
  async #fetch(collection: CollectionName, id: string): Promise<StoredRecord | null> {
    const notBefore = this.ledger.floor;
    let wire: StoredRecord;
    let headers: AnswerHeaders | undefined;
    try {
      ({ body: wire, headers } = await this.api.exchange(
        'GET',
        `${API_PATHS[collection]}/${encodeURIComponent(id)}`,
        StoredRecord,
      ));
    } catch (error) {
      if (!isAuraError(error, 'AURA_NOT_FOUND')) throw error;
      const view = await this.#viewFor(headersOf(error), notBefore);
      const expected = view.record(collection, id);
      if (expected && isLive(expected)) {
        throw inconsistent(
          `record ${id} (version ${expected.v}) is in your vault's signed history, but the server says it does not exist: it was deleted or hidden`,
        );
      }
      return null;
    }
    if (wire.id !== id) throw misbehaved(`asked for record ${id}, the server sent ${wire.id}`);
    await this.#check(await this.#viewFor(headers, notBefore), collection, wire);
    return wire;
  }

  #tokenKey(collection: CollectionName) {
    return deriveBlindIndexKey(this.accountKey, collection, 'text');
  }

  async #keyringRecord(): Promise<{ state: KeyringState; version: number | null }> {
    const id = this.#keyringId;
    const wire = await this.#fetch('contexts', id);
    if (!wire) return { state: { collections: {} }, version: null };
    const payload = this.#open<KeyringState>(keyringKey(this.accountKey), 'contexts', id, wire);
    return { state: payload, version: wire.version };
  }

  async keyring(): Promise<Keyring> {
    if (!this.#keyring) this.#keyring = new Keyring(this.accountKey, (await this.#keyringRecord()).state);
    return this.#keyring;
  }

  async #saveKeyring(state: KeyringState): Promise<void> {
    const id = this.#keyringId;
    const { version } = await this.#keyringRecord();
    const next = (version ?? 0) + 1;
    const { change, ...body } = this.#seal(keyringKey(this.accountKey), 'contexts', id, state, next, '', null, null);
    if (version === null)
      await this.#write('POST', API_PATHS.contexts, StoredRecord, { id, ...body, change }, [change]);
    else await this.#write('PUT', `${API_PATHS.contexts}/${id}`, StoredRecord, { ...body, version, change }, [change]);
    this.#keyring = new Keyring(this.accountKey, state);
  }

  #seal<T>(
    key: SymmetricKey,
    collection: CollectionName,
    id: string,
    data: T,
    version: number,
    text: string,
    expiresAt: string | null,
    embedding: Embedding | null,
  ) {
    const slot = { userId: this.userId, collection: embeddingSlot(collection), recordId: id };
    // Padded like the record: the length of an unpadded one would tell the server the dimension.
    const sealedVector = embedding ? sealEnvelope(key, slot, encodeEmbedding(embedding, version), { pad: true }) : null;
    const payload: Payload<T> = { v: version, data, ...(sealedVector ? { e: envelopeHash(sealedVector) } : {}) };
    const envelope = sealEnvelope(
      key,
      { userId: this.userId, collection, recordId: id },
      utf8(JSON.stringify(payload)),
      {
        pad: true,
      },
    );
    const tokens = text ? blindIndexTokens(this.#tokenKey(collection), text, { prefixMin: 3 }) : [];
    const hash = envelopeHash(envelope);
    return {
      encryptedData: toBase64(envelope),
      ...(sealedVector ? { encryptedEmbedding: toBase64(sealedVector) } : {}),
      searchTokens: tokens.map(toBase64),
      checksum: hash,
      nonce: toBase64(readEnvelopeHeader(envelope).nonce),
      ...(expiresAt ? { expiresAt } : {}),
      change: this.#change(collection, id, 'put', version, { hash, tokens, expiresAt }),
    };
  }

  #open<T>(key: SymmetricKey, collection: CollectionName, expectedId: string, wire: StoredRecord): T {
    return this.#openPayload<T>(key, collection, expectedId, wire).data;
  }

  #openPayload<T>(key: SymmetricKey, collection: CollectionName, expectedId: string, wire: StoredRecord): Payload<T> {
    if (wire.id !== expectedId) throw misbehaved(`asked for record ${expectedId}, the server sent ${wire.id}`);
    const plaintext = openEnvelope(key, { userId: this.userId, collection, recordId: expectedId }, this.#bytes(wire));
    const payload = JSON.parse(fromUtf8(plaintext)) as Payload<T>;
    const seen = this.seenVersions[`${collection}/${expectedId}`] ?? 0;
    if (payload.v !== wire.version || wire.version < seen) {
      throw new AuraError(
        'AURA_ROLLBACK_DETECTED',
        `record ${expectedId} came back at version ${payload.v} (server says ${wire.version}) after this device saw version ${seen}; it is not shown`,
      );
    }
    if (seen !== wire.version) {
      this.seenVersions[`${collection}/${expectedId}`] = wire.version;
      // Saved with the ledger's next replay (or when the command ends), not after every read: saving
      // the whole device state per operation made writes cost O(records).
      this.ledger.unsaved = true;
    }
    return payload;
  }

  /**
   * Checks that a record came with a vector exactly when its envelope names one, and opens it when
   * asked: exactly that one, sealed to this record and version. `e` and `v` are the envelope's.
   */
  #openEmbedding(
    keyring: Keyring,
    collection: CollectionName,
    wire: StoredRecord,
    payload: { e?: string | undefined; v: number },
    open: boolean,
  ): Embedding | undefined {
    if (payload.e === undefined) {
      if (wire.encryptedEmbedding !== null) {
        throw inconsistent(`record ${wire.id} came with a vector it was not written with`);
      }
      return undefined;
    }
    if (!open) return undefined;
    let bytes: Uint8Array;
    try {
      bytes = fromBase64(wire.encryptedEmbedding ?? '');
    } catch {
      throw misbehaved(`record ${wire.id}'s vector is not base64`);
    }
    if (bytes.length === 0 || envelopeHash(bytes) !== payload.e) {
      throw inconsistent(`record ${wire.id} came without the vector it was written with, or with another`);
    }
    const slot = { userId: this.userId, collection: embeddingSlot(collection), recordId: wire.id };
    const decoded = decodeEmbedding(openEnvelope(keyring.readKey(collection, bytes), slot, bytes));
    if (!decoded || decoded.version !== payload.v) {
      throw inconsistent(`record ${wire.id}'s vector is not one made for version ${payload.v}`);
    }
    return decoded.embedding;
  }

  /** `vectors: false` leaves a record's vector sealed (embeddingOf opens it): an index cached on the device has it. */
  async #toRecord<C extends CollectionName>(
    collection: C,
    wire: StoredRecord,
    expectedId = wire.id,
    vectors = true,
  ): Promise<VaultRecord<C>> {
    // A record checked against the history was opened already: once is enough.
    const opened = this.#opened.get(wire);
    if (opened && opened.id === expectedId) {
      if (!vectors || opened.embedding || opened.embeddingHash === undefined) return opened as VaultRecord<C>;
      const payload = { v: opened.version, e: opened.embeddingHash };
      const embedding = this.#openEmbedding(await this.keyring(), collection, wire, payload, true);
      const record = { ...opened, ...(embedding ? { embedding } : {}) } as VaultRecord<C>;
      this.#opened.set(wire, record);
      this.#wireOf.set(record, wire);
      return record;
    }
    const keyring = await this.keyring();
    const key = keyring.readKey(collection, this.#bytes(wire));
    const payload = this.#openPayload<RecordData[C]>(key, collection, expectedId, wire);
    const embedding = this.#openEmbedding(keyring, collection, wire, payload, vectors);
    const record: VaultRecord<C> = {
      id: wire.id,
      collection,
      version: wire.version,
      data: payload.data,
      ...(embedding ? { embedding } : {}),
      ...(payload.e !== undefined ? { embeddingHash: payload.e } : {}),
      createdAt: wire.createdAt,
      updatedAt: wire.updatedAt,
      expiresAt: wire.expiresAt,
    };
    this.#wireOf.set(record, wire);
    this.#opened.set(wire, record);
    return record;
  }

  async put<C extends CollectionName>(
    collection: C,
    data: RecordData[C],
    options: PutOptions = {},
  ): Promise<VaultRecord<C>> {
    const id = options.id ?? crypto.randomUUID();
    const keyring = await this.keyring();
    const expiresAt = options.expiresAt ? new Date(options.expiresAt).toISOString() : null;
    const text = searchableText(collection, data);
    const body = {
      id,
      ...this.#seal(keyring.writeKey(collection), collection, id, data, 1, text, expiresAt, options.embedding ?? null),
    };
    let wire: StoredRecord;
    if (options.replaceMatching) {
      // The record to replace is chosen here, from a verified search, and its deletion signed here.
      const newest = (await this.search(collection, options.replaceMatching))
        .filter((r) => r.id !== id)
        .sort((a, b) => b.updatedAt.localeCompare(a.updatedAt))[0];
      const replace = newest
        ? {
            id: newest.id,
            version: newest.version,
            change: this.#change(collection, newest.id, 'delete', newest.version),
          }
        : undefined;
      await this.#write(
        'POST',
        `${API_PATHS[collection]}/learn`,
        LearnResponse,
        { record: body, ...(replace ? { replace } : {}) },
        [...(replace ? [replace.change] : []), body.change],
      );
      const fetched = await this.#fetch(collection, id);
      if (!fetched) throw misbehaved(`record ${id} was stored, then not found`);
      wire = fetched;
    } else {
      wire = await this.#write('POST', API_PATHS[collection], StoredRecord, body, [body.change]);
    }
    const record = await this.#toRecord(collection, wire, id);
    return record;
  }

  async get<C extends CollectionName>(collection: C, id: string): Promise<VaultRecord<C>> {
    const wire = await this.#fetch(collection, id);
    if (!wire) throw new AuraError('AURA_NOT_FOUND', 'no such record in this account');
    const record = await this.#toRecord(collection, wire, id);
    return record;
  }

  /** A record's vector, opened now if it was listed without (`vectors: false`); undefined if it has none. */
  async embeddingOf<C extends CollectionName>(record: VaultRecord<C>): Promise<Embedding | undefined> {
    if (record.embedding || record.embeddingHash === undefined) return record.embedding;
    const wire = this.#wireOf.get(record);
    if (!wire) throw new AuraError('AURA_INVALID_INPUT', `record ${record.id} was not read by this vault`);
    return (await this.#toRecord(record.collection, wire, record.id, true)).embedding;
  }

  /**
   * Seals what this device keeps for itself between runs (a decrypted index), under a key of the
   * account key's own that no record uses, to a slot named by `name`: the file or store it sits in
   * learns nothing, and bytes of another account, name or key do not open.
   */
  sealLocal(name: string, plaintext: Uint8Array): Uint8Array {
    return sealEnvelope(this.#localKey(), this.#localSlot(name), plaintext);
  }

  /** The inverse of sealLocal; AURA_CRYPTO_DECRYPT_FAILED for bytes it did not seal for this name. */
  openLocal(name: string, sealed: Uint8Array): Uint8Array {
    return openEnvelope(this.#localKey(), this.#localSlot(name), sealed);
  }

  #localKey(): SymmetricKey {
    return deriveCollectionKey(this.accountKey, LOCAL_SLOT, 1);
  }

  #localSlot(name: string) {
    return { userId: this.userId, collection: LOCAL_SLOT, recordId: name };
  }

  /**
   * Updates with the version this device last read; AURA_CONFLICT when someone was faster. The
   * record keeps no vector unless one is given (new data needs a new one).
   */
  async update<C extends CollectionName>(
    collection: C,
    record: VaultRecord<C>,
    data: RecordData[C],
    options: { embedding?: Embedding } = {},
  ): Promise<VaultRecord<C>> {
    const keyring = await this.keyring();
    const sealed = this.#seal(
      keyring.writeKey(collection),
      collection,
      record.id,
      data,
      record.version + 1,
      searchableText(collection, data),
      record.expiresAt,
      options.embedding ?? null,
    );
    const body = { ...sealed, version: record.version };
    const wire = await this.#write('PUT', `${API_PATHS[collection]}/${record.id}`, StoredRecord, body, [sealed.change]);
    const updated = await this.#toRecord(collection, wire, record.id);
    return updated;
  }

  /** Deletes the version this device reads now, with a signed deletion. */
  async delete(collection: CollectionName, id: string): Promise<void> {
    const current = await this.#fetch(collection, id);
    if (!current) throw new AuraError('AURA_NOT_FOUND', 'no such record in this account');
    const change = this.#change(collection, id, 'delete', current.version);
    await this.#write(
      'DELETE',
      `${API_PATHS[collection]}/${encodeURIComponent(id)}`,
      NoContent,
      { version: current.version, change },
      [change],
    );
  }

  /**
   * Every record, checked against the history as of one snapshot: a page read while the vault
   * changed is read again, so a concurrent writer never looks like tampering. `vectors: false`
   * leaves the vectors sealed (a record still says it has one, by `embeddingHash`; embeddingOf
   * opens it): for an index this device keeps already.
   */
  async list<C extends CollectionName>(
    collection: C,
    options: { includeExpired?: boolean; vectors?: boolean } = {},
  ): Promise<VaultRecord<C>[]> {
    const vectors = options.vectors ?? true;
    const keyringId = this.#keyringId;
    for (let attempt = 1; ; attempt++) {
      const since = this.ledger.size;
      const notBefore = this.ledger.floor;
      const wires: StoredRecord[] = [];
      const sizes = new Set<number>();
      let cursor: string | null = null;
      let log: LogLeaves | undefined;
      do {
        const query = new URLSearchParams({ limit: '500', includeExpired: String(options.includeExpired ?? false) });
        if (cursor) query.set('cursor', cursor);
        else query.set('logSince', String(since));
        const { body: page, headers } = await this.api.exchange('GET', `${API_PATHS[collection]}?${query}`, RecordPage);
        log ??= page.log;
        sizes.add(logSizeOf(headers));
        wires.push(...page.records);
        cursor = page.nextCursor;
      } while (cursor);
      const low = Math.min(...sizes);
      const view = await this.ledger.sync({ asOf: Math.max(...sizes), notBefore }, log);
      // Pages read at different log sizes agree when nothing in this collection changed between
      // them (another collection's writes, a failed login's audit entry); otherwise read again.
      if (sizes.size > 1 && view.changedSince(collection, low)) {
        if (attempt < LIST_ATTEMPTS) continue;
        throw new AuraError('AURA_CONFLICT', 'the vault kept changing while it was listed; try again');
      }
      const returned = new Set<string>();
      for (const wire of wires) {
        if (returned.has(wire.id)) throw inconsistent(`record ${wire.id} was listed twice`);
        returned.add(wire.id);
        await this.#check(view, collection, wire, vectors);
      }
      for (const [id, entry] of view.records(collection)) {
        if (!returned.has(id) && isLive(entry)) {
          throw inconsistent(
            `record ${id} (version ${entry.v}) is in your vault's signed history but missing from the list: the server deleted or hid it`,
          );
        }
      }
      const records: VaultRecord<C>[] = [];
      for (const wire of wires) {
        if (collection === 'contexts' && wire.id === keyringId) continue;
        records.push(await this.#toRecord(collection, wire, wire.id, vectors));
      }
      return records;
    }
  }

  /**
   * Keyword search through blind-index tokens; every word must match (prefixes of 3+ letters too).
   * A result whose decrypted text does not hold the words is dropped (the server chose it); a
   * record the history says should match and the server left out is reported.
   */
  async search<C extends CollectionName>(collection: C, query: string): Promise<VaultRecord<C>[]> {
    const tokenKey = this.#tokenKey(collection);
    const tokens = blindSearchTokens(tokenKey, query);
    if (tokens.length === 0) return [];
    const wanted = tokens.map(toBase64);
    // Each word searched for must be a word of the record, or a prefix it is indexed under.
    // (A prefix is indexed from three characters on: indexTerms in @aura/crypto.) One pattern per
    // word over the normalised text: a word start, the word, and a word end unless it may be a
    // prefix. Words are letters, marks and digits only: nothing in them needs escaping.
    const patterns = tokenize(query).map(
      (w) =>
        new RegExp(`(?<![\\p{L}\\p{M}\\p{N}])${w}${Array.from(w).length >= 3 ? '' : '(?![\\p{L}\\p{M}\\p{N}])'}`, 'u'),
    );
    const holdsWords = (record: VaultRecord<C>) => {
      const text = normalizeText(searchableText(collection, record.data));
      return patterns.every((p) => p.test(text));
    };
    const since = this.ledger.size;
    const notBefore = this.ledger.floor;
    const { body: page, headers } = await this.api.exchange('POST', `${API_PATHS[collection]}/search`, RecordPage, {
      tokens: wanted,
      mode: 'all',
      limit: SEARCH_LIMIT,
      logSince: since,
    });
    const view = await this.#viewFor(headers, notBefore, page.log);
    const keyringId = this.#keyringId;
    const found: VaultRecord<C>[] = [];
    const returned = new Set<string>();
    for (const wire of page.records) {
      returned.add(wire.id);
      if (wire.id === keyringId) continue;
      await this.#check(view, collection, wire);
      const record = await this.#toRecord(collection, wire);
      if (holdsWords(record)) found.push(record);
    }
    // Only results that hold the words count towards the limit: a server cannot pad a page with
    // records that do not match to skip this check.
    if (found.length < SEARCH_LIMIT) {
      for (const [id, entry] of view.records(collection)) {
        if (returned.has(id) || !isLive(entry) || !filterHolds(fromBase64(entry.b), tokens)) continue;
        // The filter may err towards yes: the record itself decides, at the version the filter is of
        // (a concurrent edit that added the words is not the server's doing).
        const wire = await this.#fetch(collection, id);
        if (!wire || wire.version !== entry.v) continue;
        if (holdsWords(await this.#toRecord(collection, wire))) {
          throw inconsistent(`the search left out record ${id}, which holds the words searched for: the server hid it`);
        }
      }
    }
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
        const wire = await this.#fetch(collection, record.id);
        if (!wire || rotating.isCurrent(collection, this.#bytes(wire))) break;
        const fresh = await this.#toRecord(collection, wire, record.id);
        try {
          await this.update(collection, fresh, fresh.data, fresh.embedding ? { embedding: fresh.embedding } : {});
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
    await this.api.post('/api/v1/audit/entries', AuditReceipt, {
      eventType: 'key_rotation',
      action: `rotate ${collection} to version ${target}`,
      result: 'success',
      targetId: collection,
    });
    return { version: target, reencrypted };
  }
}
