import * as z from 'zod';
import { base64Bytes } from './bytes.ts';
import { plainText, queryInteger } from './text.ts';
import type { Collection } from './vault.ts';

/**
 * Signed changes: every change to a user's vault or device list is a statement signed by one
 * of the user's devices and recorded in the user's verifiable log. Clients rebuild the vault's
 * and the device list's state from the log and check every answer of the server against it
 * (docs/decisions/0008-signed-history.md). The statement travels as the exact canonical JSON
 * that was signed, so no re-encoding can change what a signature covers.
 */
export const SignedChange = z.strictObject({
  statement: plainText({ min: 2, max: 4096 }),
  signature: base64Bytes({ exact: 64 }),
});
export type SignedChange = z.infer<typeof SignedChange>;

/** A vault change: the record's new version and the hash of its envelope, or its deletion. */
export interface VaultStatement {
  kind: 'vault';
  op: 'put' | 'delete';
  collection: Collection;
  recordId: string;
  /** The version written (put), or the version deleted (delete). */
  version: number;
  /** base64 SHA-256 of the envelope (put), '' for a delete. */
  hash: string;
  /** base64 Bloom filter of the record's search tokens (put), so a search that hides it is caught. */
  bloom: string;
  expiresAt: string | null;
  /** The signing device. */
  deviceId: string;
}

/** A device added (by itself when it registers the account, else by the approving device) or revoked. */
export interface DeviceStatement {
  kind: 'device';
  op: 'add' | 'revoke';
  deviceId: string;
  signingPublicKey: string;
  sealingPublicKey: string;
  /**
   * For an addition: the device's certificate, an HMAC under the account's device-certificate key
   * (protocol's deviceStatement): only a holder of the account key makes one, so not even a first
   * device can be made up by the server. '' for a revocation.
   */
  certificate: string;
  /** The signing device. */
  by: string;
}

export type ChangeStatement = VaultStatement | DeviceStatement;

export const SIGNATURE_CONTEXT = { vault: 'vault-change', device: 'device-change' } as const;

/** The user's log from a client's position on: the newest checkpoint and the leaves after it. */
export const LogLeavesQuery = z.strictObject({
  start: queryInteger({ min: 0, max: Number.MAX_SAFE_INTEGER }),
  limit: queryInteger({ min: 1, max: 2000 }).default(1000),
});
export type LogLeavesQuery = z.infer<typeof LogLeavesQuery>;

export const LogLeaves = z.strictObject({
  checkpoint: z.string(),
  treeSize: z.int(),
  leaves: z.array(z.strictObject({ index: z.int(), leafInput: z.string() })),
});
export type LogLeaves = z.infer<typeof LogLeaves>;

/** Told with every vault read: the log's size in the same database snapshot as the records. */
export const LOG_SIZE_HEADER = 'aura-log-size';
