import * as z from 'zod';
import { Base64Text, base64Bytes } from './bytes.ts';
import { SignedChange } from './changes.ts';
import { noControlCharacters, plainText } from './text.ts';

/** The form in which an email identifies an account: NFKC, trimmed, lower-case (as @aura/crypto's normalizeIdentifier). */
export const normalizeEmail = (email: string): string => email.normalize('NFKC').trim().toLowerCase();

export const Email = z
  .string()
  .trim()
  .min(3)
  .max(254)
  .regex(/^[^\s@]+@[^\s@]+$/, 'must be an email address')
  .refine(noControlCharacters, { message: 'must not contain control characters or unpaired surrogates' });
export type Email = z.infer<typeof Email>;

/** Argon2id parameters. The floor is enforced again by every client (M1). */
export const KdfParams = z.strictObject({
  algorithm: z.literal('argon2id'),
  t: z.int().min(3).max(64),
  m: z
    .int()
    .min(65536)
    .max(4 * 1024 * 1024),
  p: z.int().min(1).max(16),
});
export type KdfParams = z.infer<typeof KdfParams>;

export const KdfDescriptor = z.strictObject({
  seed: base64Bytes({ exact: 16 }),
  params: KdfParams,
});
export type KdfDescriptor = z.infer<typeof KdfDescriptor>;

/**
 * Argon2id parameters as the server relays what it stores: well-formed, not judged. A row
 * below the floor must reach the client, which refuses it with its own code (M1); were this
 * schema strict, the server's own answer would fail it and the login would end in a 5xx.
 */
export const RelayedKdfParams = z.strictObject({
  algorithm: z.string().min(1).max(32),
  t: z.int(),
  m: z.int(),
  p: z.int(),
});
export type RelayedKdfParams = z.infer<typeof RelayedKdfParams>;

export const RelayedKdfDescriptor = z.strictObject({
  seed: base64Bytes({ exact: 16 }),
  params: RelayedKdfParams,
});
export type RelayedKdfDescriptor = z.infer<typeof RelayedKdfDescriptor>;

export const DevicePublicKeys = z.strictObject({
  name: plainText({ min: 1, max: 100 }).optional(),
  sealingPublicKey: base64Bytes({ exact: 32 }),
  signingPublicKey: base64Bytes({ exact: 32 }),
  /** Chosen by the registering device, so that its self-signed "device add" can name it. */
  id: z.uuid(),
  change: SignedChange,
});
export type DevicePublicKeys = z.infer<typeof DevicePublicKeys>;

export const RegisterRequest = z.strictObject({
  /** Chosen by the client, so that its first device's certificate can name the account. */
  userId: z.uuid().optional(),
  email: Email,
  kdf: KdfDescriptor,
  srpVerifier: base64Bytes({ min: 1, max: 256 }),
  accountKey: z.strictObject({
    wrapped: base64Bytes({ min: 59, max: 512 }),
    id: base64Bytes({ exact: 16 }),
  }),
  device: DevicePublicKeys,
  /** X25519 key derived from the account key: the server seals sensitive audit details to it. */
  auditPublicKey: base64Bytes({ exact: 32 }).optional(),
});
export type RegisterRequest = z.infer<typeof RegisterRequest>;

export const RegisterResponse = z.strictObject({
  userId: z.uuid(),
  deviceId: z.uuid(),
});
export type RegisterResponse = z.infer<typeof RegisterResponse>;

export const SrpInitRequest = z.strictObject({ email: Email });
export type SrpInitRequest = z.infer<typeof SrpInitRequest>;

export const SrpInitResponse = z.strictObject({
  challengeId: z.uuid(),
  kdf: RelayedKdfDescriptor,
  B: base64Bytes({ min: 1, max: 256 }),
});
export type SrpInitResponse = z.infer<typeof SrpInitResponse>;

export const SrpVerifyRequest = z.strictObject({
  challengeId: z.uuid(),
  A: base64Bytes({ min: 1, max: 256 }),
  M1: base64Bytes({ exact: 32 }),
  deviceId: z.uuid().optional(),
});
export type SrpVerifyRequest = z.infer<typeof SrpVerifyRequest>;

export const TokenPair = z.strictObject({
  accessToken: z.string(),
  refreshToken: z.string(),
  expiresIn: z.int(),
  tokenType: z.literal('Bearer'),
});
export type TokenPair = z.infer<typeof TokenPair>;

export const SrpVerifyResponse = z.strictObject({
  M2: base64Bytes({ exact: 32 }),
  userId: z.uuid(),
  deviceId: z.uuid().nullable(),
  accountKey: z.strictObject({ wrapped: Base64Text, id: Base64Text }),
  tokens: TokenPair,
});
export type SrpVerifyResponse = z.infer<typeof SrpVerifyResponse>;

export const RefreshRequest = z.strictObject({
  refreshToken: z.string().min(20).max(200),
});
export type RefreshRequest = z.infer<typeof RefreshRequest>;

export const SessionInfo = z.strictObject({
  userId: z.uuid(),
  sessionId: z.uuid(),
  deviceId: z.uuid().nullable(),
  expiresAt: z.iso.datetime(),
});
export type SessionInfo = z.infer<typeof SessionInfo>;

export const OkResponse = z.strictObject({ ok: z.literal(true) });
export type OkResponse = z.infer<typeof OkResponse>;

/** POST /api/v1/auth/revoke-all: how many sessions ended. */
export const RevokedSessions = z.strictObject({ revoked: z.int() });
export type RevokedSessions = z.infer<typeof RevokedSessions>;

export const PasswordChangeRequest = z.strictObject({
  kdf: KdfDescriptor,
  srpVerifier: base64Bytes({ min: 1, max: 256 }),
  accountKey: z.strictObject({
    wrapped: base64Bytes({ min: 59, max: 512 }),
    id: base64Bytes({ exact: 16 }),
  }),
});
export type PasswordChangeRequest = z.infer<typeof PasswordChangeRequest>;
