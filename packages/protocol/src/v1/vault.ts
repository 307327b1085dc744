import * as z from 'zod';
import { base64Bytes } from './bytes.ts';
import { LogLeaves, SignedChange } from './changes.ts';
import { queryInteger, Timestamp } from './text.ts';

/** One collection of encrypted records. The server sees only these fields, all opaque. */
export const collections = ['contexts', 'relationships', 'learning-events'] as const;
export type Collection = (typeof collections)[number];

export const SearchToken = base64Bytes({ min: 1, max: 32 });
export type SearchToken = z.infer<typeof SearchToken>;
const MAX_RECORD_BYTES = 1024 * 1024;

export const RecordInput = z.strictObject({
  /** Client-chosen: the envelope's associated data binds the record id, so the client needs it first. */
  id: z.uuid(),
  encryptedType: base64Bytes({ min: 1, max: 4096 }).optional(),
  encryptedData: base64Bytes({ min: 1, max: MAX_RECORD_BYTES }),
  encryptedEmbedding: base64Bytes({ min: 1, max: 64 * 1024 }).optional(),
  searchTokens: z.array(SearchToken).max(1000).default([]),
  /** SHA-256 of encryptedData, checked by the server before anything is stored. */
  checksum: base64Bytes({ exact: 32 }),
  nonce: base64Bytes({ exact: 24 }),
  expiresAt: Timestamp.optional(),
  /** The device-signed statement of this write (docs/decisions/0008-signed-history.md). */
  change: SignedChange,
});
export type RecordInput = z.infer<typeof RecordInput>;

export const DeleteRequest = z.strictObject({
  /** The version being deleted: a delete applies only to the version the client read. */
  version: z.int().min(1),
  change: SignedChange,
});
export type DeleteRequest = z.infer<typeof DeleteRequest>;

/**
 * The spec's learn/merge: store a record and, in the same transaction, delete the one it
 * replaces. The client chooses that record (from its own verified search) and signs its deletion:
 * a server that picked it by tokens would delete without a signature.
 */
export const LearnRequest = z.strictObject({
  record: RecordInput,
  replace: z.strictObject({ id: z.uuid(), version: z.int().min(1), change: SignedChange }).optional(),
});
export type LearnRequest = z.infer<typeof LearnRequest>;

export const RecordUpdate = RecordInput.omit({ id: true }).extend({
  version: z.int().min(1),
});
export type RecordUpdate = z.infer<typeof RecordUpdate>;

export const StoredRecord = z.strictObject({
  id: z.uuid(),
  version: z.int(),
  encryptedType: z.string().nullable(),
  encryptedData: z.string(),
  encryptedEmbedding: z.string().nullable(),
  searchTokens: z.array(z.string()),
  checksum: z.string(),
  nonce: z.string(),
  createdAt: z.iso.datetime(),
  updatedAt: z.iso.datetime(),
  expiresAt: z.iso.datetime().nullable(),
});
export type StoredRecord = z.infer<typeof StoredRecord>;

export const LearnResponse = z.strictObject({
  status: z.enum(['stored', 'replaced']),
  id: z.uuid(),
  replacedId: z.uuid().nullable(),
  version: z.int(),
});
export type LearnResponse = z.infer<typeof LearnResponse>;

export const ListQuery = z.strictObject({
  limit: queryInteger({ min: 1, max: 500 }).default(100),
  cursor: z.string().min(1).max(200).optional(),
  updatedSince: Timestamp.optional(),
  includeExpired: z.enum(['true', 'false']).default('false'),
  /** The log size the client has verified: the answer brings the log's entries after it. */
  logSince: queryInteger({ min: 0, max: Number.MAX_SAFE_INTEGER }).optional(),
});
export type ListQuery = z.infer<typeof ListQuery>;

export const SearchRequest = z.strictObject({
  tokens: z.array(SearchToken).min(1).max(100),
  mode: z.enum(['all', 'any']).default('all'),
  limit: z.int().min(1).max(500).default(100),
  logSince: z.int().min(0).max(Number.MAX_SAFE_INTEGER).optional(),
});
export type SearchRequest = z.infer<typeof SearchRequest>;

export const RecordPage = z.strictObject({
  records: z.array(StoredRecord),
  nextCursor: z.string().nullable(),
  /** With logSince: the log after it (one page), so a client checks the answer in one round trip. */
  log: LogLeaves.optional(),
});
export type RecordPage = z.infer<typeof RecordPage>;

export const RecordId = z.strictObject({ id: z.uuid() });
export type RecordId = z.infer<typeof RecordId>;

export const PurgeResponse = z.strictObject({ purged: z.int() });
export type PurgeResponse = z.infer<typeof PurgeResponse>;

/** A 204 answer (a deleted record): no body at all. */
export const NoContent = z.undefined();
export type NoContent = z.infer<typeof NoContent>;
