import * as z from 'zod';
import { Email, TokenPair } from './auth.ts';
import { Base64Text, base64Bytes } from './bytes.ts';
import { SignedChange } from './changes.ts';
import { plainText } from './text.ts';

export const Device = z.strictObject({
  id: z.uuid(),
  name: z.string().nullable(),
  sealingPublicKey: Base64Text,
  signingPublicKey: Base64Text,
  createdAt: z.iso.datetime(),
  revokedAt: z.iso.datetime().nullable(),
  /** HMAC by the account's device-certificate key: the server cannot make one. */
  certificate: Base64Text.nullable(),
});
export type Device = z.infer<typeof Device>;

export const DeviceList = z.strictObject({ devices: z.array(Device) });
export type DeviceList = z.infer<typeof DeviceList>;

export const EnrollmentRequest = z.strictObject({
  email: Email,
  name: plainText({ min: 1, max: 100 }).optional(),
  sealingPublicKey: base64Bytes({ exact: 32 }),
  signingPublicKey: base64Bytes({ exact: 32 }),
  /** SHA-256 of a secret only the new device holds; it proves the claim is the asker's. */
  claimSecretHash: base64Bytes({ exact: 32 }),
});
export type EnrollmentRequest = z.infer<typeof EnrollmentRequest>;

export const EnrollmentCreated = z.strictObject({ enrollmentId: z.uuid(), expiresAt: z.iso.datetime() });
export type EnrollmentCreated = z.infer<typeof EnrollmentCreated>;

export const PendingEnrollment = z.strictObject({
  id: z.uuid(),
  name: z.string().nullable(),
  sealingPublicKey: Base64Text,
  signingPublicKey: Base64Text,
  createdAt: z.iso.datetime(),
  expiresAt: z.iso.datetime(),
});
export type PendingEnrollment = z.infer<typeof PendingEnrollment>;

export const PendingEnrollments = z.strictObject({ enrollments: z.array(PendingEnrollment) });
export type PendingEnrollments = z.infer<typeof PendingEnrollments>;

export const EnrollmentApproval = z.strictObject({
  /** The account key sealed to the new device's X25519 key (context "device-enrollment"). */
  sealedAccountKey: base64Bytes({ min: 60, max: 512 }),
  /** Ed25519 signature of the approving device over the enrollment (context "device-enrollment"). */
  signature: base64Bytes({ exact: 64 }),
  /** The approver's signed "device add" (the new device's id is the enrollment's id). */
  change: SignedChange,
});
export type EnrollmentApproval = z.infer<typeof EnrollmentApproval>;

/** A revocation signed by an active device of the account, so every client can check it. */
export const DeviceRevocation = z.strictObject({ change: SignedChange });
export type DeviceRevocation = z.infer<typeof DeviceRevocation>;

export const EnrollmentClaim = z.strictObject({ claimSecret: base64Bytes({ exact: 32 }) });
export type EnrollmentClaim = z.infer<typeof EnrollmentClaim>;

export const EnrollmentClaimResponse = z.discriminatedUnion('status', [
  z.strictObject({ status: z.literal('pending') }),
  z.strictObject({
    status: z.literal('approved'),
    userId: z.uuid(),
    deviceId: z.uuid(),
    approverDeviceId: z.uuid(),
    signature: Base64Text,
    sealedAccountKey: Base64Text,
    accountKeyId: Base64Text,
    tokens: TokenPair,
  }),
]);
export type EnrollmentClaimResponse = z.infer<typeof EnrollmentClaimResponse>;
