import * as z from 'zod';
import { base64Bytes } from './bytes.ts';
import { plainText, queryInteger } from './text.ts';

/**
 * One audit entry, the spec's AuditEntry. The Merkle leaf is the canonical JSON of these
 * fields (keys sorted, no spaces); `entryHash` is SHA-256 of the same bytes and `previousHash`
 * chains entries as the spec asks, but proofs come from the tree alone.
 */
export interface AuditEntry {
  entryId: string;
  timestamp: number;
  eventType: string;
  actorId: string;
  actorType: 'user' | 'device' | 'support_agent' | 'system';
  targetId: string | null;
  action: string;
  result: 'success' | 'failure' | 'pending';
  /** Sensitive details (address, reasons, categories) sealed to the user's audit key, base64. */
  sealedMetadata: string | null;
  previousHash: string;
  /** A change signed by one of the user's devices (vault writes, device additions and revocations). */
  signed?: { statement: string; signature: string };
}

/** JSON with sorted keys and no whitespace: one byte string per value, on every platform. */
export function canonicalJson(value: unknown): string {
  if (value === null || typeof value !== 'object') return JSON.stringify(value);
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  const entries = Object.entries(value as Record<string, unknown>)
    .filter(([, v]) => v !== undefined)
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(',')}}`;
}

/** Log positions in a query: PostgreSQL's integer range, so a huge one is a 400, not an overflow in SQL. */
const LOG_INDEX_MAX = 2_147_483_647;

export const AuditLogKey = z.strictObject({
  name: z.string(),
  publicKey: z.string(),
  origin: z.string(),
  /**
   * The log key's rotations, oldest first: each a signed note by the key it retired naming its
   * successor. A device that pinned an older key follows them to this one (absent from servers
   * that never rotated).
   */
  rotations: z.array(z.string()).default([]),
});
export type AuditLogKey = z.infer<typeof AuditLogKey>;

export const AuditCheckpoint = z.strictObject({ size: z.int(), note: z.string() });
export type AuditCheckpoint = z.infer<typeof AuditCheckpoint>;

/** GET /api/v1/audit/checkpoint: the newest checkpoint, or the one at an older size. */
export const CheckpointQuery = z.strictObject({ size: queryInteger({ min: 1, max: LOG_INDEX_MAX }).optional() });
export type CheckpointQuery = z.infer<typeof CheckpointQuery>;

export const AuditReceipt = z.strictObject({
  index: z.int(),
  checkpoint: z.string(),
  inclusionProof: z.array(z.string()),
});
export type AuditReceipt = z.infer<typeof AuditReceipt>;

export const AuditEntryOut = z.strictObject({
  index: z.int(),
  leafInput: z.string(),
  entry: z.strictObject({
    entryId: z.string(),
    timestamp: z.int(),
    eventType: z.string(),
    actorId: z.string(),
    actorType: z.string(),
    targetId: z.string().nullable(),
    action: z.string(),
    result: z.string(),
    sealedMetadata: z.string().nullable(),
    previousHash: z.string(),
    signed: z.strictObject({ statement: z.string(), signature: z.string() }).optional(),
  }),
  inclusionProof: z.array(z.string()),
});
export type AuditEntryOut = z.infer<typeof AuditEntryOut>;

export const AuditEntriesQuery = z.strictObject({
  start: queryInteger({ min: 0, max: LOG_INDEX_MAX }).default(0),
  limit: queryInteger({ min: 1, max: 500 }).default(100),
  treeSize: queryInteger({ min: 1, max: LOG_INDEX_MAX }).optional(),
});
export type AuditEntriesQuery = z.infer<typeof AuditEntriesQuery>;

export const AuditEntriesPage = z.strictObject({ treeSize: z.int(), entries: z.array(AuditEntryOut) });
export type AuditEntriesPage = z.infer<typeof AuditEntriesPage>;

export const ConsistencyQuery = z.strictObject({
  from: queryInteger({ min: 1, max: LOG_INDEX_MAX }),
  to: queryInteger({ min: 1, max: LOG_INDEX_MAX }),
});
export type ConsistencyQuery = z.infer<typeof ConsistencyQuery>;

export const ConsistencyProofOut = z.strictObject({ from: z.int(), to: z.int(), proof: z.array(z.string()) });
export type ConsistencyProofOut = z.infer<typeof ConsistencyProofOut>;

export const ClientAuditEvent = z.strictObject({
  eventType: z.enum(['key_rotation']),
  action: plainText({ min: 1, max: 100 }),
  result: z.enum(['success', 'failure']),
  targetId: plainText({ min: 1, max: 200 }).optional(),
  sealedMetadata: base64Bytes({ min: 1, max: 4096 }).optional(),
});
export type ClientAuditEvent = z.infer<typeof ClientAuditEvent>;

/**
 * What a device tells the server when it refused the server's answers as tampering: the kind
 * only, counted in the server's metrics so that an operator learns of a database someone else
 * changed. A hostile server can ignore it; it is for the honest operator of a compromised one.
 */
export const INTEGRITY_FAILURE_KINDS = [
  'audit_log',
  'vault',
  'device_list',
  'kdf_parameters',
  'server_answer',
] as const;
export const IntegrityFailure = z.strictObject({ kind: z.enum(INTEGRITY_FAILURE_KINDS) });
export type IntegrityFailure = z.infer<typeof IntegrityFailure>;

export const IntegrityReport = z.strictObject({
  valid: z.boolean(),
  issues: z.array(z.strictObject({ type: z.string(), entryId: z.string().nullable(), detail: z.string() })),
  entriesChecked: z.int(),
  merkleRoot: z.string(),
  treeSize: z.int(),
});
export type IntegrityReport = z.infer<typeof IntegrityReport>;

/** GET /api/v1/audit/verify: the range the server checks of its own rows. */
export const IntegrityQuery = z.strictObject({
  start: queryInteger({ min: 0, max: LOG_INDEX_MAX }).default(0),
  end: queryInteger({ min: 0, max: LOG_INDEX_MAX }).optional(),
});
export type IntegrityQuery = z.infer<typeof IntegrityQuery>;
