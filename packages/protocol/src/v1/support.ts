import * as z from 'zod';
import { Email } from './auth.ts';
import { Base64Text, base64Bytes } from './bytes.ts';
import { plainText } from './text.ts';
import { collections } from './vault.ts';

export const SupportCategory = z.enum(collections);
export type SupportCategory = z.infer<typeof SupportCategory>;

export const AgentRegistration = z.strictObject({
  name: plainText({ min: 1, max: 100 }),
  sealingPublicKey: base64Bytes({ exact: 32 }),
  signingPublicKey: base64Bytes({ exact: 32 }),
  /** The operator's Ed25519 signature (context "support-agent-key") over name and keys. */
  operatorSignature: base64Bytes({ exact: 64 }),
});
export type AgentRegistration = z.infer<typeof AgentRegistration>;

export const SupportAgent = z.strictObject({
  id: z.uuid(),
  name: z.string(),
  sealingPublicKey: Base64Text,
  signingPublicKey: Base64Text,
  operatorSignature: Base64Text,
});
export type SupportAgent = z.infer<typeof SupportAgent>;

export const AccessRequestIn = z.strictObject({
  userEmail: Email,
  ticket: plainText({ min: 1, max: 100 }),
});
export type AccessRequestIn = z.infer<typeof AccessRequestIn>;

export const AccessRequestOut = z.strictObject({
  id: z.uuid(),
  ticket: z.string(),
  createdAt: z.iso.datetime(),
  status: z.string(),
  agent: SupportAgent,
});
export type AccessRequestOut = z.infer<typeof AccessRequestOut>;

export const AccessRequestList = z.strictObject({ requests: z.array(AccessRequestOut) });
export type AccessRequestList = z.infer<typeof AccessRequestList>;

export const GrantIn = z.strictObject({
  id: z.uuid(),
  agentId: z.uuid(),
  requestId: z.uuid().optional(),
  /** The canonical JSON of the grant object the device signed (agent key, categories, window, nonce). */
  grantObject: plainText({ max: 4096 }),
  signature: base64Bytes({ exact: 64 }),
  sealedKey: base64Bytes({ min: 60, max: 512 }),
  records: z
    .array(
      z.strictObject({
        category: SupportCategory,
        recordId: z.uuid(),
        encryptedData: base64Bytes({ min: 1, max: 1024 * 1024 }),
      }),
    )
    .max(5000),
});
export type GrantIn = z.infer<typeof GrantIn>;

export const GrantOut = z.strictObject({
  id: z.uuid(),
  userId: z.uuid(),
  agentId: z.uuid(),
  deviceId: z.uuid(),
  deviceSigningPublicKey: Base64Text,
  categories: z.array(z.string()),
  validFrom: z.iso.datetime(),
  validUntil: z.iso.datetime(),
  revokedAt: z.iso.datetime().nullable(),
  grantObject: z.string(),
  signature: Base64Text,
  sealedKey: Base64Text,
});
export type GrantOut = z.infer<typeof GrantOut>;

export const GrantList = z.strictObject({ grants: z.array(GrantOut) });
export type GrantList = z.infer<typeof GrantList>;

export const GrantRecords = z.strictObject({
  grant: GrantOut,
  records: z.array(z.strictObject({ category: z.string(), recordId: z.uuid(), encryptedData: Base64Text })),
});
export type GrantRecords = z.infer<typeof GrantRecords>;

/**
 * The query of GET /api/v1/support/grants/:id/records. A grant's id is unique within its user
 * only: when two users granted the agent the same id, `user` (the grant's userId) names the one.
 */
export const GrantRecordsQuery = z.strictObject({ user: z.uuid().optional() });
export type GrantRecordsQuery = z.infer<typeof GrantRecordsQuery>;

/** The bytes an operator signs for an agent (Ed25519, context "support-agent-key"): name and both public keys. */
export function agentKeyStatement(name: string, sealingPublicKey: string, signingPublicKey: string): Uint8Array {
  return new TextEncoder().encode(`aura/v1/support-agent\0${name}\0${sealingPublicKey}\0${signingPublicKey}`);
}

/** What the user's device signs; the agent's client refuses any grant that does not match it. */
export interface GrantObject {
  v: 1;
  grantId: string;
  userId: string;
  agentId: string;
  agentSealingKey: string;
  categories: string[];
  permissions: string[];
  validFrom: string;
  validUntil: string;
  nonce: string;
}
