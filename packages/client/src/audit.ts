import { deriveAuditKeyPair, openSealed, type SymmetricKey } from '@aura/crypto';
import { type Checkpoint, leafHash, verifyCheckpoint, verifyConsistency, verifyInclusion } from '@aura/crypto/merkle';
import { AuraError } from '@aura/errors';
import {
  AuditCheckpoint,
  AuditEntriesPage,
  type AuditEntry,
  AuditLogKey,
  ConsistencyProofOut,
  canonicalJson,
  fromBase64,
  toBase64,
} from '@aura/protocol';
import { fromUtf8 } from './encoding.ts';
import type { Api } from './http.ts';
import { followRotations, pinnedKey, samePin } from './log-key.ts';

/** What this install remembers of an account's log: the log key it first saw and the newest checkpoint. */
export interface AuditPin {
  name: string;
  publicKey: string;
  origin: string;
  checkpoint: string;
}

export interface VerifiedEntry extends AuditEntry {
  index: number;
  /** The sealed metadata, opened with the account's audit key. */
  details: Record<string, unknown> | null;
}

export interface IntegrityIssue {
  type: 'log_key_changed' | 'bad_checkpoint' | 'truncated_or_rolled_back' | 'forked' | 'rewritten' | 'bad_entry';
  entryId: string | null;
  detail: string;
}

export interface IntegrityReport {
  valid: boolean;
  issues: IntegrityIssue[];
  entriesChecked: number;
  merkleRoot: string;
  treeSize: number;
}

class IntegrityFailure extends AuraError {
  constructor(readonly issue: IntegrityIssue) {
    super('AURA_AUDIT_INTEGRITY', `the audit log failed verification: ${issue.detail}`);
  }
}

const fail = (type: IntegrityIssue['type'], detail: string, entryId: string | null = null): never => {
  throw new IntegrityFailure({ type, entryId, detail });
};

/**
 * Checks the account's audit log from this device (ARCHITECTURE.md §7, M17): every checkpoint
 * is signed by the log key first seen (or one its signed rotations lead to), and consistent with the last one this install saw; every
 * entry shown is proven included. A rewritten, truncated or forked log is an integrity failure.
 */
export class AuditVerifier {
  constructor(
    private readonly api: Api,
    private readonly accountKey: SymmetricKey,
    private readonly pins: Record<string, AuditPin>,
    private readonly userId: string,
    private readonly persist: () => Promise<void>,
  ) {}

  /** Fetches and checks the newest checkpoint; remembers it when it holds. */
  async sync(): Promise<Checkpoint> {
    const key = await this.api.get('/api/v1/audit/log-key', AuditLogKey);
    const pin = this.pins[this.userId];
    const verifyUnder = (signer: AuditPin, note: string) => {
      try {
        return verifyCheckpoint(note, pinnedKey(signer));
      } catch (error) {
        return fail('bad_checkpoint', (error as Error).message);
      }
    };
    // What this device saw before, checked under the key it was signed by.
    const known = pin?.checkpoint ? verifyUnder(pin, pin.checkpoint) : undefined;
    let expected: AuditPin = pin ?? { name: key.name, publicKey: key.publicKey, origin: key.origin, checkpoint: '' };
    if (pin && !samePin(pin, key)) {
      expected =
        followRotations(pin, key) ??
        fail(
          'log_key_changed',
          'the server now signs with another log key than the one this device first saw, and no rotation signed by that key leads to it',
        );
    }
    const verify = (note: string) => verifyUnder(expected, note);
    const { note } = await this.api.get('/api/v1/audit/checkpoint', AuditCheckpoint);
    const latest = verify(note);
    if (known) {
      if (latest.size < known.size) {
        fail('truncated_or_rolled_back', `the log has ${latest.size} entries, but this device saw ${known.size}`);
      }
      if (latest.size === known.size && toBase64(latest.root) !== toBase64(known.root)) {
        fail('forked', `two different logs of size ${latest.size} were signed`);
      }
      if (latest.size > known.size) {
        // A server that cannot prove the new log extends the old one has rewritten it.
        const proof = await this.api
          .get(`/api/v1/audit/consistency?from=${known.size}&to=${latest.size}`, ConsistencyProofOut)
          .then((r) => r.proof)
          .catch((error: Error) =>
            fail('rewritten', `no consistency proof from ${known.size} to ${latest.size}: ${error.message}`),
          );
        if (!verifyConsistency(known.size, latest.size, proof.map(fromBase64), known.root, latest.root)) {
          fail(
            'rewritten',
            `the log of size ${latest.size} does not extend the one of size ${known.size} this device saw`,
          );
        }
      }
    }
    this.pins[this.userId] = { ...expected, checkpoint: note };
    await this.persist();
    return latest;
  }

  /** Every entry, each proven included in the verified checkpoint, with its sealed details opened. */
  async entries(): Promise<{ checkpoint: Checkpoint; entries: VerifiedEntry[] }> {
    const checkpoint = await this.sync();
    const audit = deriveAuditKeyPair(this.accountKey);
    const entries: VerifiedEntry[] = [];
    let previous = '';
    while (entries.length < checkpoint.size) {
      const page = await this.api.get(
        `/api/v1/audit/entries?start=${entries.length}&limit=500&treeSize=${checkpoint.size}`,
        AuditEntriesPage,
      );
      if (page.entries.length === 0)
        fail('truncated_or_rolled_back', `entries stop at ${entries.length} of ${checkpoint.size}`);
      for (const item of page.entries) {
        const leaf = fromBase64(item.leafInput);
        let entry: AuditEntry;
        try {
          entry = JSON.parse(fromUtf8(leaf)) as AuditEntry;
        } catch {
          return fail('bad_entry', `entry ${item.index} is not JSON`);
        }
        if (item.index !== entries.length)
          fail('bad_entry', `expected entry ${entries.length}, got ${item.index}`, entry.entryId);
        if (canonicalJson(entry) !== fromUtf8(leaf))
          fail('bad_entry', `entry ${item.index} is not canonical`, entry.entryId);
        if (
          !verifyInclusion(
            leafHash(leaf),
            item.index,
            checkpoint.size,
            item.inclusionProof.map(fromBase64),
            checkpoint.root,
          )
        ) {
          fail('rewritten', `entry ${item.index} is not in the signed log`, entry.entryId);
        }
        if (entry.previousHash !== previous)
          fail('bad_entry', `entry ${item.index} does not chain to the one before`, entry.entryId);
        previous = Array.from(new Uint8Array(await crypto.subtle.digest('SHA-256', new Uint8Array(leaf))), (b) =>
          b.toString(16).padStart(2, '0'),
        ).join('');
        let details: Record<string, unknown> | null = null;
        if (entry.sealedMetadata) {
          try {
            details = JSON.parse(fromUtf8(openSealed(audit, 'audit-metadata', fromBase64(entry.sealedMetadata))));
          } catch {
            details = { unreadable: true };
          }
        }
        entries.push({ ...entry, index: item.index, details });
      }
    }
    return { checkpoint, entries };
  }

  /** The spec's verify_integrity as the client sees it: never throws for a bad log, reports it. */
  async verify(): Promise<IntegrityReport> {
    try {
      const { checkpoint, entries } = await this.entries();
      return {
        valid: true,
        issues: [],
        entriesChecked: entries.length,
        merkleRoot: toBase64(checkpoint.root),
        treeSize: checkpoint.size,
      };
    } catch (error) {
      if (error instanceof IntegrityFailure) {
        return { valid: false, issues: [error.issue], entriesChecked: 0, merkleRoot: '', treeSize: 0 };
      }
      throw error;
    }
  }
}
