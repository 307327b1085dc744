import {
  assertSignature,
  keyFingerprint,
  openSealed,
  type SymmetricKey,
  sealTo,
  sign,
  symmetricKey,
} from '@aura/crypto';
import { AuraError } from '@aura/errors';
import { fromBase64, sha256, toBase64, utf8 } from './encoding.ts';
import type { Api } from './http.ts';
import type { DeviceState } from './state.ts';

export interface DeviceInfo {
  id: string;
  name: string | null;
  sealingPublicKey: string;
  signingPublicKey: string;
  createdAt: string;
  revokedAt: string | null;
  certificate: string | null;
  fingerprint: string;
}

export async function listDevices(api: Api): Promise<DeviceInfo[]> {
  const { devices } = await api.request<{ devices: Omit<DeviceInfo, 'fingerprint'>[] }>('GET', '/api/v1/devices');
  return devices.map((d) => ({ ...d, fingerprint: keyFingerprint(fromBase64(d.signingPublicKey)) }));
}

export async function revokeDevice(api: Api, id: string): Promise<void> {
  await api.request('DELETE', `/api/v1/devices/${encodeURIComponent(id)}`);
}

const CROCKFORD = '0123456789ABCDEFGHJKMNPQRSTVWXYZ';

/**
 * The code both screens show: 60 bits of a hash of the new device's two public keys, as
 * XXXX-XXXX-XXXX. The approver recomputes it from the keys the server relays, so a server
 * that swapped the keys would have to find a 60-bit collision (M8).
 */
export async function enrollmentCode(sealingPublicKey: Uint8Array, signingPublicKey: Uint8Array): Promise<string> {
  const digest = await sha256(
    new Uint8Array([...utf8('aura/v1/enrollment-code\0'), ...sealingPublicKey, ...signingPublicKey]),
  );
  let bits = 0n;
  for (const b of digest.subarray(0, 8)) bits = (bits << 8n) | BigInt(b);
  bits >>= 4n; // 60 bits
  let code = '';
  for (let i = 0; i < 12; i++) {
    code = CROCKFORD[Number(bits & 31n)] + code;
    bits >>= 5n;
  }
  return `${code.slice(0, 4)}-${code.slice(4, 8)}-${code.slice(8)}`;
}

const normalizeCode = (code: string) =>
  code
    .toUpperCase()
    .replace(/[^0-9A-Z]/g, '')
    .replace(/O/g, '0')
    .replace(/[IL]/g, '1');

function approvalMessage(enrollmentId: string, sealing: Uint8Array, signing: Uint8Array, accountKeyId: Uint8Array) {
  return new Uint8Array([...utf8(`${enrollmentId}\0`), ...sealing, ...signing, ...accountKeyId]);
}

export interface EnrollmentResult {
  userId: string;
  deviceId: string;
  accountKey: SymmetricKey;
  tokens: { accessToken: string; refreshToken: string };
}

export interface EnrollmentTicket {
  enrollmentId: string;
  code: string;
  fingerprint: string;
  expiresAt: string;
  /** Polls until an enrolled device approves; then checks everything and starts the session. */
  wait(options?: { intervalMs?: number; timeoutMs?: number }): Promise<EnrollmentResult>;
}

export async function requestEnrollment(
  api: Api,
  device: DeviceState,
  email: string,
  name: string,
  onApproved: (result: EnrollmentResult) => Promise<void>,
): Promise<EnrollmentTicket> {
  const claimSecret = crypto.getRandomValues(new Uint8Array(32));
  const sealingPublicKey = fromBase64(device.sealing.publicKey);
  const signingPublicKey = fromBase64(device.signing.publicKey);
  const created = await api.request<{ enrollmentId: string; expiresAt: string }>(
    'POST',
    '/api/v1/devices/enrollments',
    {
      email,
      name,
      sealingPublicKey: device.sealing.publicKey,
      signingPublicKey: device.signing.publicKey,
      claimSecretHash: toBase64(await sha256(claimSecret)),
    },
    { auth: false },
  );
  const code = await enrollmentCode(sealingPublicKey, signingPublicKey);
  return {
    enrollmentId: created.enrollmentId,
    code,
    fingerprint: keyFingerprint(signingPublicKey),
    expiresAt: created.expiresAt,
    async wait({ intervalMs = 1000, timeoutMs = 10 * 60 * 1000 } = {}) {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        const claim = await api.request<{
          status: 'pending' | 'approved';
          userId: string;
          deviceId: string;
          approverDeviceId: string;
          signature: string;
          sealedAccountKey: string;
          accountKeyId: string;
          tokens: { accessToken: string; refreshToken: string };
        }>(
          'POST',
          `/api/v1/devices/enrollments/${created.enrollmentId}/claim`,
          { claimSecret: toBase64(claimSecret) },
          { auth: false },
        );
        if (claim.status === 'approved') {
          const opened = (() => {
            try {
              return openSealed(
                { secretKey: fromBase64(device.sealing.secretKey), publicKey: sealingPublicKey },
                'device-enrollment',
                fromBase64(claim.sealedAccountKey),
              );
            } catch {
              throw new AuraError(
                'AURA_ENROLLMENT_INVALID',
                'the account key sent to this device does not open; enroll again',
              );
            }
          })();
          const accountKey = symmetricKey('account', opened.slice(16, 48));
          const claimedId = fromBase64(claim.accountKeyId);
          if (toBase64(accountKey.id) !== claim.accountKeyId || toBase64(opened.slice(0, 16)) !== claim.accountKeyId) {
            throw new AuraError(
              'AURA_ENROLLMENT_INVALID',
              "the account key sent to this device is not the account's key",
            );
          }
          // The approving device's signature, checked against the account's device list.
          api.tokens = { ...claim.tokens };
          const approver = (await listDevices(api)).find((d) => d.id === claim.approverDeviceId && !d.revokedAt);
          if (!approver)
            throw new AuraError(
              'AURA_ENROLLMENT_INVALID',
              'the approving device is not an active device of the account',
            );
          try {
            assertSignature(
              fromBase64(approver.signingPublicKey),
              'device-enrollment',
              approvalMessage(created.enrollmentId, sealingPublicKey, signingPublicKey, claimedId),
              fromBase64(claim.signature),
            );
          } catch {
            api.tokens = undefined;
            throw new AuraError(
              'AURA_ENROLLMENT_INVALID',
              'the approval was not signed by an enrolled device of the account',
            );
          }
          const result = { userId: claim.userId, deviceId: claim.deviceId, accountKey, tokens: claim.tokens };
          await onApproved(result);
          return result;
        }
        if (Date.now() > deadline)
          throw new AuraError('AURA_ENROLLMENT_INVALID', 'no device approved this one in time; enroll again');
        await new Promise((resolve) => setTimeout(resolve, intervalMs));
      }
    },
  };
}

export async function approveEnrollment(api: Api, device: DeviceState, accountKey: SymmetricKey, code: string) {
  const { enrollments } = await api.request<{
    enrollments: { id: string; name: string | null; sealingPublicKey: string; signingPublicKey: string }[];
  }>('GET', '/api/v1/devices/enrollments');
  const wanted = normalizeCode(code);
  for (const e of enrollments) {
    const sealing = fromBase64(e.sealingPublicKey);
    const signing = fromBase64(e.signingPublicKey);
    if (normalizeCode(await enrollmentCode(sealing, signing)) !== wanted) continue;
    const sealedAccountKey = sealTo(
      sealing,
      'device-enrollment',
      new Uint8Array([...accountKey.id, ...accountKey.bytes]),
    );
    const signature = sign(
      fromBase64(device.signing.secretKey),
      'device-enrollment',
      approvalMessage(e.id, sealing, signing, accountKey.id),
    );
    await api.request('POST', `/api/v1/devices/enrollments/${e.id}/approve`, {
      sealedAccountKey: toBase64(sealedAccountKey),
      signature: toBase64(signature),
    });
    return { enrollmentId: e.id, name: e.name, fingerprint: keyFingerprint(signing) };
  }
  throw new AuraError(
    'AURA_ENROLLMENT_INVALID',
    `no device waiting to join this account shows the code ${code}; check it and retry`,
  );
}
