import {
  assertSignature,
  deriveDeviceCertificateKey,
  hmacSha256,
  keyFingerprint,
  openSealed,
  type SymmetricKey,
  sealTo,
  sign,
  symmetricKey,
  verifyHmacSha256,
} from '@aura/crypto';
import { AuraError } from '@aura/errors';
import {
  canonicalJson,
  type Device,
  DeviceList,
  type DeviceStatement,
  deviceStatement,
  EnrollmentClaimResponse,
  EnrollmentCreated,
  fromBase64,
  OkResponse,
  PendingEnrollments,
  SIGNATURE_CONTEXT,
  type SignedChange,
  toBase64,
} from '@aura/protocol';
import { sha256, utf8 } from './encoding.ts';
import type { Api } from './http.ts';
import { type Ledger, logSizeOf } from './ledger.ts';
import type { DeviceState } from './state.ts';

/** A device as the server lists it, with the fingerprint of its signing key for people to compare. */
export type DeviceInfo = Device & { fingerprint: string };

/** What the signed history says of a listed device. */
export type DeviceVerification = 'verified' | 'inserted' | 'key_replaced' | 'revocation_undone' | 'bad_certificate';

export interface CheckedDevice extends DeviceInfo {
  verification: DeviceVerification;
  /** For anything but 'verified': what is wrong, in a sentence. */
  problem?: string;
}

/** The device list as checked against the signed history, with every problem found in it. */
export interface DeviceReport {
  devices: CheckedDevice[];
  problems: string[];
}

export async function listDevices(api: Api): Promise<DeviceInfo[]> {
  const { devices } = await api.get('/api/v1/devices', DeviceList);
  return devices.map((d) => ({ ...d, fingerprint: keyFingerprint(fromBase64(d.signingPublicKey)) }));
}

/** What a device's certificate is made from: the account's device-certificate key, and the device's statement. */
function certificateInput(
  account: { userId: string; accountKey: SymmetricKey },
  d: { id: string; signingPublicKey: string; sealingPublicKey: string },
): [key: Uint8Array, statement: Uint8Array] {
  return [
    deriveDeviceCertificateKey(account.accountKey).bytes,
    deviceStatement({
      userId: account.userId,
      deviceId: d.id,
      signingPublicKey: d.signingPublicKey,
      sealingPublicKey: d.sealingPublicKey,
    }),
  ];
}

/** A device's certificate: an HMAC under the account's device-certificate key, which the server cannot make. */
export function deviceCertificate(
  account: { userId: string; accountKey: SymmetricKey },
  d: { id: string; signingPublicKey: string; sealingPublicKey: string },
): Uint8Array {
  return hmacSha256(...certificateInput(account, d));
}

/** Whether `certificate` is the device's certificate under this account's key (constant-time). */
export function certificateHolds(
  account: { userId: string; accountKey: SymmetricKey },
  d: { id: string; signingPublicKey: string; sealingPublicKey: string },
  certificate: Uint8Array,
): boolean {
  return verifyHmacSha256(...certificateInput(account, d), certificate);
}

/**
 * A device statement signed by `signer` (this device): the addition of a device, with the new
 * device's certificate (so the account key vouches for it), or a revocation.
 */
export function signDeviceChange(
  signer: DeviceState & { deviceId: string },
  op: DeviceStatement['op'],
  target: { id: string; signingPublicKey: string; sealingPublicKey: string },
  account?: { userId: string; accountKey: SymmetricKey },
): SignedChange {
  const statement: DeviceStatement = {
    kind: 'device',
    op,
    deviceId: target.id,
    signingPublicKey: target.signingPublicKey,
    sealingPublicKey: target.sealingPublicKey,
    certificate: op === 'add' && account ? toBase64(deviceCertificate(account, target)) : '',
    by: signer.deviceId,
  };
  const text = canonicalJson(statement);
  return {
    statement: text,
    signature: toBase64(sign(fromBase64(signer.signing.secretKey), SIGNATURE_CONTEXT.device, utf8(text))),
  };
}

/**
 * The server's device list, each device checked against the signed history as of the same
 * snapshot: in it with the same keys, revoked when a signed revocation says so, and its
 * certificate (if any) made by the account. Devices the history has and the list hides are
 * reported too.
 */
export async function checkedDevices(
  api: Api,
  ledger: Ledger,
  account: { userId: string; accountKey: SymmetricKey },
): Promise<DeviceReport> {
  try {
    return await checkDevices(api, ledger, account);
  } catch (error) {
    if (error instanceof AuraError) throw error;
    throw new AuraError('AURA_SERVER_MISBEHAVED', `the server's device list could not be read (${String(error)})`);
  }
}

async function checkDevices(
  api: Api,
  ledger: Ledger,
  account: { userId: string; accountKey: SymmetricKey },
): Promise<DeviceReport> {
  const notBefore = ledger.floor;
  const { body, headers } = await api.exchange('GET', '/api/v1/devices', DeviceList);
  const view = await ledger.sync({ asOf: logSizeOf(headers), notBefore });
  const problems: string[] = [];
  const devices = body.devices.map((d): CheckedDevice => {
    const info = { ...d, fingerprint: keyFingerprint(fromBase64(d.signingPublicKey)) };
    const entry = view.device(d.id);
    const label = `device ${d.id}${d.name ? ` ("${d.name}")` : ''}`;
    const flag = (verification: DeviceVerification, problem: string): CheckedDevice => {
      problems.push(problem);
      return { ...info, verification, problem };
    };
    if (!entry) return flag('inserted', `${label} is not in your account's signed history: the server inserted it`);
    if (entry.signingPublicKey !== d.signingPublicKey || entry.sealingPublicKey !== d.sealingPublicKey) {
      return flag('key_replaced', `${label} has other keys than it was added with: the server replaced them`);
    }
    if (entry.revoked !== null && !d.revokedAt) {
      return flag(
        'revocation_undone',
        `${label} was revoked (audit entry ${entry.revoked}), but the server lists it as active`,
      );
    }
    if (d.certificate && !certificateHolds(account, d, fromBase64(d.certificate))) {
      return flag('bad_certificate', `${label} carries a certificate your account did not make`);
    }
    // A revocation the device already knows of counts, even if the list was read just before it.
    const revoked = view.latestDevice(d.id)?.revoked ?? null;
    const revokedAt = d.revokedAt ?? (revoked !== null ? new Date().toISOString() : null);
    return { ...info, revokedAt, verification: 'verified' };
  });
  const listed = new Set(body.devices.map((d) => d.id));
  for (const [id, entry] of view.devices()) {
    if (!listed.has(id)) {
      problems.push(
        `device ${id} is in your account's signed history${entry.revoked === null ? ' as active' : ''}, but the server does not list it`,
      );
    }
  }
  return { devices, problems };
}

/** The report's devices, refused whole when anything in it does not match the signed history. */
export function refuseTampered({ devices, problems }: DeviceReport): CheckedDevice[] {
  if (problems.length > 0) throw new AuraError('AURA_DEVICE_LIST_TAMPERED', problems.join('; '));
  return devices;
}

export async function revokeDevice(api: Api, id: string, change: SignedChange): Promise<void> {
  await api.delete(`/api/v1/devices/${encodeURIComponent(id)}`, OkResponse, { change });
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
  const created = await api.post(
    '/api/v1/devices/enrollments',
    EnrollmentCreated,
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
        const claim = await api.post(
          `/api/v1/devices/enrollments/${created.enrollmentId}/claim`,
          EnrollmentClaimResponse,
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

export async function approveEnrollment(
  api: Api,
  device: DeviceState,
  account: { userId: string; accountKey: SymmetricKey },
  code: string,
  options: { fingerprint?: string } = {},
) {
  const accountKey = account.accountKey;
  const { enrollments } = await api.get('/api/v1/devices/enrollments', PendingEnrollments);
  const wanted = normalizeCode(code);
  for (const e of enrollments) {
    const sealing = fromBase64(e.sealingPublicKey);
    const signing = fromBase64(e.signingPublicKey);
    if (normalizeCode(await enrollmentCode(sealing, signing)) !== wanted) continue;
    // The person compared the fingerprint the new device shows with this one: a mismatch is
    // another device than the one in their hand, and it gets nothing.
    if (
      options.fingerprint !== undefined &&
      normalizeCode(options.fingerprint) !== normalizeCode(keyFingerprint(signing))
    )
      throw new AuraError(
        'AURA_ENROLLMENT_INVALID',
        `the device with code ${code} has the fingerprint ${keyFingerprint(signing)}, not ${options.fingerprint}; do not approve it`,
      );
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
    // The new device's id is the enrollment's: this device signs its addition to the account.
    if (!device.deviceId) throw new AuraError('AURA_DEVICE_REQUIRED', 'only an enrolled device can approve another');
    const change = signDeviceChange(
      { ...device, deviceId: device.deviceId },
      'add',
      { id: e.id, signingPublicKey: e.signingPublicKey, sealingPublicKey: e.sealingPublicKey },
      account,
    );
    await api.post(`/api/v1/devices/enrollments/${e.id}/approve`, OkResponse, {
      sealedAccountKey: toBase64(sealedAccountKey),
      signature: toBase64(signature),
      change,
    });
    return { enrollmentId: e.id, name: e.name, fingerprint: keyFingerprint(signing) };
  }
  throw new AuraError(
    'AURA_ENROLLMENT_INVALID',
    `no device waiting to join this account shows the code ${code}; check it and retry`,
  );
}

/** The devices asking to join, with the code and fingerprint each must show, computed here from its keys. */
export async function pendingEnrollments(api: Api) {
  const { enrollments } = await api.get('/api/v1/devices/enrollments', PendingEnrollments);
  return Promise.all(
    enrollments.map(async (e) => {
      const signing = fromBase64(e.signingPublicKey);
      return {
        enrollmentId: e.id,
        name: e.name,
        code: await enrollmentCode(fromBase64(e.sealingPublicKey), signing),
        fingerprint: keyFingerprint(signing),
      };
    }),
  );
}
