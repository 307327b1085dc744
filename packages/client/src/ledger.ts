import { type SignatureCheck, type SymmetricKey, sha256, verifySignature, verifySignatures } from '@aura/crypto';
import { type Checkpoint, Frontier, leafHash, verifyCheckpoint, verifyInclusion } from '@aura/crypto/merkle';
import { AuraError } from '@aura/errors';
import {
  AuditEntriesPage,
  type AuditEntry,
  AuditLogKey,
  type ChangeStatement,
  canonicalJson,
  type DeviceStatement,
  fromBase64,
  LOG_SIZE_HEADER,
  LogLeaves,
  SIGNATURE_CONTEXT,
  toBase64,
  type VaultStatement,
} from '@aura/protocol';
import type { AuditPin } from './audit.ts';
import { certificateHolds } from './devices.ts';
import { fromUtf8, utf8 } from './encoding.ts';
import type { AnswerHeaders, Api } from './http.ts';
import { followRotations, pinnedKey, samePin } from './log-key.ts';
import type { CollectionName } from './records.ts';

/** A record as the signed history has it. */
export interface RecordEntry {
  /** version */
  v: number;
  /** base64 SHA-256 of the envelope */
  h: string;
  /** base64 filter of the search tokens */
  b: string;
  /** expiry, ISO, or null */
  e: string | null;
  /** Deleted at version v: an id is never written again, so an old "version 1" replayed is refused. */
  gone?: true;
}

export interface DeviceEntry {
  signingPublicKey: string;
  sealingPublicKey: string;
  /** The log index of its addition and of its revocation (null while active). */
  added: number;
  revoked: number | null;
  by: string;
}

/** What a device keeps of an account's log between runs (in its DeviceState). */
export interface LedgerState {
  size: number;
  /** The tree's right edge at `size`, base64 (crypto's Frontier). */
  nodes: string[];
  /** Checkpoint note verified at `size` (empty before the first entry). */
  checkpoint: string;
  records: Record<string, RecordEntry>;
  devices: Record<string, DeviceEntry>;
  /** Recent changes, newest last, to see the state as of a slightly older log size. */
  undo: { index: number; key: string; prev: RecordEntry | DeviceEntry | null }[];
  /**
   * Entries this device wrote and must find at their index (a server that drops one is caught):
   * the base64 SHA-256 of each signed statement.
   */
  expect: { index: number; statement: string }[];
}

export const emptyLedger = (): LedgerState => ({
  size: 0,
  nodes: [],
  checkpoint: '',
  records: {},
  devices: {},
  undo: [],
  expect: [],
});

const UNDO_KEPT = 512;
const recordKey = (collection: CollectionName, id: string) => `r/${collection}/${id}`;
const deviceKey = (id: string) => `d/${id}`;

const vaultError = (detail: string) => new AuraError('AURA_VAULT_INCONSISTENT', detail);
const deviceError = (detail: string) => new AuraError('AURA_DEVICE_LIST_TAMPERED', detail);
const logError = (detail: string) =>
  new AuraError('AURA_AUDIT_INTEGRITY', `the audit log failed verification: ${detail}`);

/** The state of the history as of one log size (records and devices), for checking one answer. */
export class LedgerView {
  constructor(
    private readonly state: LedgerState,
    readonly size: number,
  ) {}

  #at<T>(key: string, current: T | undefined): T | undefined {
    let value: T | undefined | null = current;
    for (let i = this.state.undo.length - 1; i >= 0; i--) {
      const u = this.state.undo[i];
      if (!u || u.index < this.size) break;
      if (u.key === key) value = u.prev as T | null;
    }
    return value ?? undefined;
  }

  record(collection: CollectionName, id: string): RecordEntry | undefined {
    const key = recordKey(collection, id);
    const entry = this.#at(key, this.state.records[key]);
    return entry?.gone ? undefined : entry;
  }

  device(id: string): DeviceEntry | undefined {
    const key = deviceKey(id);
    return this.#at(key, this.state.devices[key]);
  }

  /** The device as the newest verified state has it: a revocation counts as soon as it is known. */
  latestDevice(id: string): DeviceEntry | undefined {
    return this.state.devices[deviceKey(id)];
  }

  /** Whether a record of the collection changed from log size `since` up to this view's size. */
  changedSince(collection: CollectionName, since: number): boolean {
    const prefix = `r/${collection}/`;
    const oldest = this.state.undo[0]?.index ?? 0;
    if (since < oldest && this.state.undo.length >= UNDO_KEPT) return true; // beyond what is kept
    return this.state.undo.some((u) => u.index >= since && u.index < this.size && u.key.startsWith(prefix));
  }

  /** Every record of a collection in this state, with its id. */
  records(collection: CollectionName): [string, RecordEntry][] {
    const prefix = `r/${collection}/`;
    const keys = new Set(Object.keys(this.state.records).filter((k) => k.startsWith(prefix)));
    for (const u of this.state.undo) if (u.index >= this.size && u.key.startsWith(prefix)) keys.add(u.key);
    const out: [string, RecordEntry][] = [];
    for (const key of keys) {
      const entry = this.#at<RecordEntry>(key, this.state.records[key]);
      if (entry && !entry.gone) out.push([key.slice(prefix.length), entry]);
    }
    return out;
  }

  devices(): [string, DeviceEntry][] {
    const keys = new Set(Object.keys(this.state.devices));
    for (const u of this.state.undo) if (u.index >= this.size && u.key.startsWith('d/')) keys.add(u.key);
    const out: [string, DeviceEntry][] = [];
    for (const key of keys) {
      const entry = this.#at(key, this.state.devices[key]);
      if (entry) out.push([key.slice(2), entry]);
    }
    return out;
  }
}

/**
 * This device's verified copy of the account's signed history. It extends its own copy of the
 * log's Merkle tree leaf by leaf up to the newest checkpoint (signed by the pinned log key), so
 * the log it replays is exactly the one signed, consistent with everything this device saw
 * before; and it replays the device-signed changes in it to know what the vault and the device
 * list must hold. The server cannot drop, roll back, reorder or invent a change without a
 * signature failing or the tree's root differing (docs/decisions/0008-signed-history.md).
 */
export class Ledger {
  constructor(
    private readonly api: Api,
    private readonly userId: string,
    private readonly pins: Record<string, AuditPin>,
    private state: LedgerState,
    private readonly persist: (state: LedgerState) => Promise<void>,
    /** This device: when the history shows it revoked, it stops reading. */
    private readonly selfId: string | null = null,
    /** The account key: every device addition must carry a certificate only it can make. */
    private readonly accountKey: SymmetricKey | null = null,
  ) {}

  get size(): number {
    return this.state.size;
  }

  /**
   * The oldest log size an answer may be read at: past what this device verified and past every
   * change it made itself (an answer from before its own write would undo that write).
   */
  get floor(): number {
    return this.state.expect.reduce((max, e) => Math.max(max, e.index + 1), this.state.size);
  }

  /** True when something to keep changed since the last save (saved with the next replay). */
  unsaved = false;

  /** Remembers a change this device made, which the log must hold at `index`. */
  async expect(index: number, statement: string): Promise<void> {
    if (!Number.isSafeInteger(index) || index < 0) {
      throw new AuraError('AURA_SERVER_MISBEHAVED', 'the server did not say where it logged this change');
    }
    if (index < this.state.size) {
      this.#checkExpected(index, statementHash(statement), await this.#leafAt(index));
      return;
    }
    // Saved with the next replay, or by AuraClient.flush (no save of its own per write).
    this.state.expect.push({ index, statement: statementHash(statement) });
    this.unsaved = true;
  }

  /** The leaf at `index`, proven included in the tree this device verified (a leaf it passed already). */
  async #leafAt(index: number): Promise<string | undefined> {
    const size = this.state.size;
    const page = await this.api.get(`/api/v1/audit/entries?start=${index}&limit=1&treeSize=${size}`, AuditEntriesPage);
    const item = page.entries[0];
    if (!item || item.index !== index) return undefined;
    const leaf = fromBase64(item.leafInput);
    const root = new Frontier(size, this.state.nodes.map(fromBase64)).root();
    if (!verifyInclusion(leafHash(leaf), index, size, item.inclusionProof.map(fromBase64), root)) return undefined;
    return fromUtf8(leaf);
  }

  #checkExpected(index: number, hash: string, leaf: string | undefined) {
    let entry: AuditEntry | undefined;
    try {
      entry = leaf ? (JSON.parse(leaf) as AuditEntry) : undefined;
    } catch {
      entry = undefined;
    }
    if (!entry?.signed || statementHash(entry.signed.statement) !== hash) {
      throw logError(`entry ${index} should be a change this device made, and is not: the server dropped it`);
    }
  }

  async #logKey(): Promise<AuditPin> {
    let pin = this.pins[this.userId];
    if (!pin) {
      const key = await this.api.get('/api/v1/audit/log-key', AuditLogKey);
      pin = { name: key.name, publicKey: key.publicKey, origin: key.origin, checkpoint: '' };
      this.pins[this.userId] = pin;
    }
    return pin;
  }

  /** Moves the pin to the server's current log key, when a chain of rotations from it leads there. */
  async #followRotation(pin: AuditPin): Promise<void> {
    const served = await this.api.get('/api/v1/audit/log-key', AuditLogKey);
    if (samePin(pin, served)) return;
    const moved = followRotations(pin, served);
    if (!moved) {
      throw logError(
        'the server signs with another log key than the one this device pinned, and no rotation signed by that key leads to it',
      );
    }
    pin.name = moved.name;
    pin.publicKey = moved.publicKey;
    this.unsaved = true;
  }

  /**
   * Replays the log up to the newest checkpoint, then gives the state as of `read.asOf`: the log
   * size a server answer says it was read at. That answer must not come from before
   * `read.notBefore`, the floor when it asked (what this device had verified or written): an
   * older one is a rollback.
   */
  async sync(read?: { asOf: number; notBefore: number }, prefetched?: LogLeaves): Promise<LedgerView> {
    // One replay at a time: two would start from the same state and the slower would win.
    const run = this.#busy.then(() =>
      this.#sync(read, prefetched).catch((error: unknown) => {
        if (error instanceof AuraError) throw error;
        // A leaf or key that is not base64 (the schemas carry them as text): refused, not a crash.
        throw new AuraError(
          'AURA_SERVER_MISBEHAVED',
          `the server's log could not be read (${String(error)}); nothing from it was used`,
        );
      }),
    );
    this.#busy = run.catch(() => {});
    return run;
  }

  #busy: Promise<unknown> = Promise.resolve();

  /** Writes noted and not yet found in a replay. */
  get pending(): number {
    return this.state.expect.length;
  }

  async #sync(read?: { asOf: number; notBefore: number }, prefetched?: LogLeaves): Promise<LedgerView> {
    const base = this.state;
    const baseExpected = base.expect.length;
    const pin = await this.#logKey();
    let key = pinnedKey(pin);
    const verify = (note: string) => {
      try {
        return verifyCheckpoint(note, key);
      } catch (error) {
        throw logError(`a checkpoint does not verify: ${(error as Error).message}`);
      }
    };
    const pinned = pin.checkpoint ? verify(pin.checkpoint) : undefined;
    // Entries are replaced, never changed in place: shallow copies are a safe scratch state, made
    // only when there is something to replay.
    let next: LedgerState = this.state;
    const scratch = () => {
      if (next === this.state) {
        next = {
          ...this.state,
          records: { ...this.state.records },
          devices: { ...this.state.devices },
          undo: [...this.state.undo],
          // Only what was noted before this replay began: later notes are dealt with at its end.
          expect: this.state.expect.slice(0, baseExpected),
        };
      }
      return next;
    };
    const frontier = new Frontier(next.size, next.nodes.map(fromBase64));
    let note = next.checkpoint;
    let first =
      prefetched && (prefetched.leaves[0]?.index ?? prefetched.treeSize) === frontier.size ? prefetched : undefined;
    for (;;) {
      const page = first ?? (await this.api.get(`/api/v1/audit/leaves?start=${frontier.size}&limit=1000`, LogLeaves));
      first = undefined;
      if (page.treeSize < next.size) {
        throw logError(`the log has ${page.treeSize} entries, but this device verified ${next.size}`);
      }
      note = page.checkpoint || note;
      await this.#preverify(next, page.leaves);
      try {
        for (const leaf of page.leaves) {
          if (leaf.index !== frontier.size) throw logError(`expected entry ${frontier.size}, got ${leaf.index}`);
          const bytes = fromBase64(leaf.leafInput);
          frontier.append(leafHash(bytes));
          this.#apply(scratch(), leaf.index, fromUtf8(bytes));
          if (pinned && frontier.size === pinned.size && toBase64(frontier.root()) !== toBase64(pinned.root)) {
            throw logError(`the log of size ${pinned.size} is not the one this device verified before`);
          }
        }
      } finally {
        this.#verified.clear();
      }
      if (frontier.size >= page.treeSize) break;
      if (page.leaves.length === 0) throw logError(`entries stop at ${frontier.size} of ${page.treeSize}`);
    }
    if (!note && frontier.size > 0) throw logError(`${frontier.size} entries came without a signed checkpoint`);
    if (note) {
      let checkpoint: Checkpoint;
      try {
        checkpoint = verifyCheckpoint(note, key);
      } catch {
        // Not under the pinned key: followed only through a rotation that key signed.
        await this.#followRotation(pin);
        key = pinnedKey(pin);
        checkpoint = verify(note);
      }
      if (checkpoint.size !== frontier.size || toBase64(checkpoint.root) !== toBase64(frontier.root())) {
        throw logError(`the entries served do not make the signed log of size ${checkpoint.size}`);
      }
      if (pinned && checkpoint.size < pinned.size) {
        throw logError(`the log has ${checkpoint.size} entries, but this device saw ${pinned.size}`);
      }
    }
    const remaining = next === this.state ? base.expect.slice(0, baseExpected) : next.expect;
    const missed = remaining.find((e) => e.index < frontier.size);
    if (missed) throw logError(`entry ${missed.index}, a change this device made, is not in the log`);
    // Every change noted before this replay was committed with its entry: a log that stops short
    // of one has dropped it.
    const unreached = remaining.find((e) => e.index >= frontier.size);
    if (unreached) {
      throw logError(
        `the log stops at ${frontier.size} entries, before entry ${unreached.index}, a change this device made`,
      );
    }
    const grew = frontier.size !== this.state.size || note !== this.state.checkpoint;
    if (grew) {
      scratch();
      next.size = frontier.size;
      next.nodes = frontier.nodes.map(toBase64);
      next.checkpoint = note;
      next.undo = next.undo.slice(-UNDO_KEPT);
      // Writes noted while this replay waited on the network: kept for the next replay, or, when
      // this one already passed their entry, checked now.
      const late = base.expect.slice(baseExpected);
      this.state = next;
      for (const e of late) {
        if (e.index >= next.size) next.expect.push(e);
        else this.#checkExpected(e.index, e.statement, await this.#leafAt(e.index));
      }
    }
    // (Nothing new: the live state stays, with whatever was noted meanwhile.)
    if (note && (!pinned || pinned.size <= this.state.size)) pin.checkpoint = note;
    if (grew || this.unsaved) await this.persist(this.state);
    this.unsaved = false;
    next = this.state;
    const at = read?.asOf ?? next.size;
    if (at > next.size) throw logError(`the server answered as of entry ${at}, past its own signed log`);
    const oldest = next.undo[0]?.index ?? 0;
    if (read && (at < read.notBefore || (at < oldest && next.undo.length >= UNDO_KEPT))) {
      throw new AuraError(
        'AURA_ROLLBACK_DETECTED',
        `the server answered from log entry ${at}, older than entry ${read.notBefore}, which this device had already verified or written; nothing from that answer is shown`,
      );
    }
    // A client-checked list: a device the history says was revoked reads nothing more, whatever
    // the server restored (what it saw before stays seen: docs/threat-model.md).
    const self = this.selfId ? this.state.devices[deviceKey(this.selfId)] : undefined;
    if (self && self.revoked !== null) {
      throw new AuraError(
        'AURA_SESSION_REVOKED',
        `this device was revoked (audit entry ${self.revoked}); it reads nothing more from this account`,
      );
    }
    return new LedgerView(this.state, at);
  }

  #apply(state: LedgerState, index: number, leaf: string) {
    let entry: AuditEntry;
    try {
      entry = JSON.parse(leaf) as AuditEntry;
    } catch {
      throw logError(`entry ${index} is not JSON`);
    }
    const expected = state.expect.find((e) => e.index === index);
    if (expected) {
      this.#checkExpected(index, expected.statement, leaf);
      state.expect = state.expect.filter((e) => e !== expected);
    }
    if (!entry.signed) return;
    let statement: ChangeStatement;
    try {
      statement = JSON.parse(entry.signed.statement) as ChangeStatement;
    } catch {
      throw logError(`entry ${index} holds a change that is not JSON`);
    }
    if (canonicalJson(statement) !== entry.signed.statement) throw logError(`entry ${index}: change not canonical`);
    if (!wellFormed(statement)) throw logError(`entry ${index} holds a change of the wrong shape`);
    const signature = fromBase64(entry.signed.signature);
    if (statement.kind === 'vault') this.#applyVault(state, index, statement, entry.signed.statement, signature);
    else if (statement.kind === 'device') this.#applyDevice(state, index, statement, entry.signed.statement, signature);
    else throw logError(`entry ${index} holds a change of an unknown kind`);
  }

  /**
   * Signatures found good ahead of a page's replay, keyed by everything the verdict covers (key,
   * context, statement, signature). The replay decides as before and looks its checks up here;
   * whatever is not here (a bad signature, a key the guess missed) it verifies itself.
   */
  #verified = new Set<string>();

  #verify(publicKey: string, context: string, statement: string, signature: Uint8Array): boolean {
    if (this.#verified.has(verdictKey(publicKey, context, statement, toBase64(signature)))) return true;
    return verifySignature(fromBase64(publicKey), context, utf8(statement), signature);
  }

  /**
   * Verifies the page's signatures all at once, under the key each entry's signer has at that
   * point of the history as far as this page tells (a fresh browser replaying a long history
   * spends most of its time here, and WebCrypto is much faster at it in bulk). Only a guess:
   * anything malformed is left for the replay to refuse, with its own error.
   */
  async #preverify(state: LedgerState, leaves: readonly { leafInput: string }[]) {
    const added = new Map<string, string>();
    const keyOf = (id: string) => added.get(id) ?? state.devices[deviceKey(id)]?.signingPublicKey;
    const checks: SignatureCheck[] = [];
    const keys: string[] = [];
    for (const leaf of leaves) {
      try {
        const entry = JSON.parse(fromUtf8(fromBase64(leaf.leafInput))) as Partial<AuditEntry>;
        const signed = entry.signed;
        if (typeof signed?.statement !== 'string' || typeof signed.signature !== 'string') continue;
        const s = JSON.parse(signed.statement) as ChangeStatement;
        if (!wellFormed(s)) continue;
        const context = s.kind === 'vault' ? SIGNATURE_CONTEXT.vault : SIGNATURE_CONTEXT.device;
        const signer =
          s.kind === 'vault'
            ? keyOf(s.deviceId)
            : s.op === 'add' && s.by === s.deviceId
              ? s.signingPublicKey
              : keyOf(s.by);
        if (s.kind === 'device' && s.op === 'add') added.set(s.deviceId, s.signingPublicKey);
        if (!signer) continue;
        const signature = fromBase64(signed.signature);
        checks.push({ publicKey: fromBase64(signer), context, message: utf8(signed.statement), signature });
        keys.push(verdictKey(signer, context, signed.statement, toBase64(signature)));
      } catch {}
    }
    if (checks.length === 0) return;
    const verdicts = await verifySignatures(checks).catch(() => [] as boolean[]);
    verdicts.forEach((good, i) => {
      const key = keys[i];
      if (good && key) this.#verified.add(key);
    });
  }

  #signedBy(state: LedgerState, deviceId: string, context: string, statement: string, signature: Uint8Array) {
    const signer = state.devices[deviceKey(deviceId)];
    if (!signer) return `it is signed by ${deviceId}, a device the account never added`;
    if (signer.revoked !== null) return `it is signed by ${deviceId} after that device was revoked`;
    if (!this.#verify(signer.signingPublicKey, context, statement, signature)) {
      return `its signature is not ${deviceId}'s`;
    }
    return null;
  }

  #set<T extends RecordEntry | DeviceEntry>(
    state: LedgerState,
    map: Record<string, T>,
    key: string,
    index: number,
    value: T | null,
  ) {
    state.undo.push({ index, key, prev: map[key] ?? null });
    if (value) map[key] = value;
    else delete map[key];
  }

  #applyVault(state: LedgerState, index: number, s: VaultStatement, text: string, signature: Uint8Array) {
    const problem = this.#signedBy(state, s.deviceId, SIGNATURE_CONTEXT.vault, text, signature);
    if (problem) throw vaultError(`log entry ${index} changes record ${s.recordId}, but ${problem}`);
    const key = recordKey(s.collection, s.recordId);
    const prev = state.records[key];
    if (s.op === 'put') {
      // Version 1 only for an id never seen; each later version follows the one before. A deleted
      // record's old statements replayed after its deletion are refused (the id stays taken).
      const follows = s.version === 1 ? !prev : !prev?.gone && prev?.v === s.version - 1;
      if (!follows) {
        throw vaultError(
          `log entry ${index} writes record ${s.recordId} at version ${s.version} out of order${prev?.gone ? ' (it was deleted)' : ''}`,
        );
      }
      this.#set(state, state.records, key, index, { v: s.version, h: s.hash, b: s.bloom, e: s.expiresAt });
    } else if (s.op === 'delete') {
      if (!prev || prev.gone || prev.v !== s.version) {
        throw vaultError(`log entry ${index} deletes record ${s.recordId} out of order`);
      }
      this.#set(state, state.records, key, index, { ...prev, gone: true });
    } else {
      throw vaultError(`log entry ${index} holds an unknown vault change`);
    }
  }

  #applyDevice(state: LedgerState, index: number, s: DeviceStatement, text: string, signature: Uint8Array) {
    const key = deviceKey(s.deviceId);
    const target = state.devices[key];
    if (s.op === 'add') {
      const first = Object.keys(state.devices).length === 0;
      // The account's first device adds itself; every later one is added by an active device.
      const problem =
        first && s.by === s.deviceId
          ? this.#verify(s.signingPublicKey, SIGNATURE_CONTEXT.device, text, signature)
            ? null
            : 'its signature does not verify'
          : this.#signedBy(state, s.by, SIGNATURE_CONTEXT.device, text, signature);
      if (problem) throw deviceError(`log entry ${index} adds device ${s.deviceId}, but ${problem}`);
      if (target) throw deviceError(`log entry ${index} adds device ${s.deviceId} a second time`);
      if (this.accountKey) {
        const account = { userId: this.userId, accountKey: this.accountKey };
        if (!certificateHolds(account, { ...s, id: s.deviceId }, fromBase64(s.certificate))) {
          throw deviceError(
            `log entry ${index} adds device ${s.deviceId} without a certificate of your account: the server made it up`,
          );
        }
      }
      this.#set(state, state.devices, key, index, {
        signingPublicKey: s.signingPublicKey,
        sealingPublicKey: s.sealingPublicKey,
        added: index,
        revoked: null,
        by: s.by,
      });
    } else if (s.op === 'revoke') {
      // A device may revoke itself; otherwise an active device revokes it.
      const signer = state.devices[deviceKey(s.by)];
      const problem =
        s.by === s.deviceId && signer
          ? this.#verify(signer.signingPublicKey, SIGNATURE_CONTEXT.device, text, signature)
            ? null
            : 'its signature does not verify'
          : this.#signedBy(state, s.by, SIGNATURE_CONTEXT.device, text, signature);
      if (problem) throw deviceError(`log entry ${index} revokes device ${s.deviceId}, but ${problem}`);
      if (!target || target.signingPublicKey !== s.signingPublicKey) {
        throw deviceError(`log entry ${index} revokes device ${s.deviceId}, which the account does not have`);
      }
      if (target.revoked === null) this.#set(state, state.devices, key, index, { ...target, revoked: index });
    } else {
      throw deviceError(`log entry ${index} holds an unknown device change`);
    }
  }
}

const isText = (v: unknown): v is string => typeof v === 'string';
const COLLECTIONS = new Set(['contexts', 'relationships', 'learning-events']);

const verdictKey = (publicKey: string, context: string, statement: string, signature: string) =>
  `${publicKey} ${signature} ${context} ${statement}`;

/** Every field a replay reads, of the type it reads it as (the server may send anything). */
function wellFormed(s: unknown): s is ChangeStatement {
  if (typeof s !== 'object' || s === null) return false;
  const v = s as Record<string, unknown>;
  if (v.kind === 'vault') {
    return (
      (v.op === 'put' || v.op === 'delete') &&
      COLLECTIONS.has(v.collection as string) &&
      isText(v.recordId) &&
      Number.isSafeInteger(v.version) &&
      (v.version as number) >= 1 &&
      isText(v.hash) &&
      isText(v.bloom) &&
      (v.expiresAt === null || isText(v.expiresAt)) &&
      isText(v.deviceId)
    );
  }
  if (v.kind === 'device') {
    return (
      (v.op === 'add' || v.op === 'revoke') &&
      [v.deviceId, v.signingPublicKey, v.sealingPublicKey, v.certificate, v.by].every(isText)
    );
  }
  return false;
}

const statementHash = (statement: string) => toBase64(sha256(utf8(statement)));

/** The log size a server answer says it was read at (the aura-log-size header); required. */
export function logSizeOf(headers: AnswerHeaders | undefined): number {
  const text = headers?.get(LOG_SIZE_HEADER);
  const value = Number(text);
  if (!text || !Number.isSafeInteger(value) || value < 0) {
    throw new AuraError('AURA_SERVER_MISBEHAVED', 'the server did not say which log entry its answer was read at');
  }
  return value;
}

/** The envelope's hash as a signed change names it. */
export const envelopeHash = (envelope: Uint8Array) => toBase64(sha256(envelope));
