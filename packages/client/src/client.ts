import {
  DEFAULT_KDF_PARAMS,
  deriveAuditKeyPair,
  deriveKeyEncryptionKey,
  deriveMasterKey,
  deriveSrpPrivateKey,
  generateAccountKey,
  generateEd25519KeyPair,
  generateKdfSeed,
  generateX25519KeyPair,
  SRP_GROUP_2048_SHA256 as group,
  type KdfParams,
  KEY_BYTES,
  type MasterKey,
  normalizeIdentifier,
  openSealed,
  type SymmetricKey,
  sealTo,
  srpClientEphemeral,
  srpClientSession,
  srpClientVerifyServer,
  srpDecodePublic,
  srpVerifier,
  symmetricKey,
  unwrapAccountKey,
  wipe,
  wrapAccountKey,
} from '@aura/crypto';
import { AuraError, type ErrorCode, isAuraError } from '@aura/errors';
import {
  fromBase64,
  type IntegrityFailure,
  NoContent,
  OkResponse,
  RegisterResponse,
  RevokedSessions,
  SessionInfo,
  SrpInitResponse,
  SrpVerifyResponse,
  toBase64,
} from '@aura/protocol';
import { AuditVerifier } from './audit.ts';
import {
  approveEnrollment,
  checkedDevices,
  type DeviceReport,
  type EnrollmentTicket,
  listDevices,
  pendingEnrollments,
  refuseTampered,
  requestEnrollment,
  revokeDevice,
  signDeviceChange,
} from './devices.ts';
import { bigIntToBytes } from './encoding.ts';
import { Api, type Transport } from './http.ts';
import {
  assertNotTampered,
  explainBadProof,
  explainUnwrapFailure,
  type KdfPin,
  type OfferedKdf,
  pinOf,
  readOfferedKdf,
} from './kdf.ts';
import { emptyLedger, Ledger } from './ledger.ts';
import { Notifications, type OpenSocket } from './notifications.ts';
import type { ClientState, DeviceState, SessionState, StateStore } from './state.ts';
import { Support } from './support.ts';
import { Tasks } from './tasks.ts';
import { Vault } from './vault.ts';

export interface ClientOptions {
  server: string;
  store: StateStore;
  /** Told about slow steps (Argon2id takes a few hundred milliseconds). */
  onProgress?: (step: string) => void;
  /** Base64 Ed25519 key of the support operator whose signature an agent's keys must carry (M8). */
  supportOperatorKey?: string;
  /** How to open a WebSocket with a bearer token (Node: `nodeSocket` from @aura/client/node). */
  openSocket?: OpenSocket;
  /** How HTTP requests go out; fetch unless given (Node: `nodeTransport` from @aura/client/node). */
  transport?: Transport;
}

const LOCAL_CONTEXT = 'local-account-key';
const REPORT_WAIT_MS = 2_000;

/** Which check a tampering error comes from, as the server's metrics count it. */
const INTEGRITY_KIND: Partial<Record<ErrorCode, IntegrityFailure['kind']>> = {
  AURA_AUDIT_INTEGRITY: 'audit_log',
  AURA_ROLLBACK_DETECTED: 'vault',
  AURA_VAULT_INCONSISTENT: 'vault',
  AURA_CRYPTO_DECRYPT_FAILED: 'vault',
  AURA_DEVICE_LIST_TAMPERED: 'device_list',
  AURA_KDF_PARAMS_TAMPERED: 'kdf_parameters',
  AURA_CRYPTO_KDF_TOO_WEAK: 'kdf_parameters',
  AURA_CRYPTO_KDF_TOO_COSTLY: 'kdf_parameters',
  AURA_SERVER_MISBEHAVED: 'server_answer',
};

/**
 * The Aura client: the only place a user's keys exist. It logs in without sending the
 * password (SRP-6a), checks the server's proof before using anything it sent, and keeps the
 * account key only in memory or sealed to this device's key.
 */
export class AuraClient {
  readonly api: Api;
  #state: ClientState = {};
  #accountKey: SymmetricKey | undefined;
  #vault: Vault | undefined;

  private constructor(private readonly options: ClientOptions) {
    this.api = new Api(options.server.replace(/\/+$/, ''), options.transport);
    this.api.onTokens = async (tokens) => {
      if (!this.#state.session) return;
      if (tokens) Object.assign(this.#state.session, tokens);
      else this.#state.session = undefined;
      await this.#save();
    };
  }

  static async open(options: ClientOptions): Promise<AuraClient> {
    const client = new AuraClient(options);
    client.#state = await options.store.load();
    const session = client.#state.session;
    if (session && session.server === client.api.baseUrl) {
      client.api.tokens = { accessToken: session.accessToken, refreshToken: session.refreshToken };
    }
    return client;
  }

  #progress(step: string) {
    this.options.onProgress?.(step);
  }

  async #save() {
    await this.options.store.save(this.#state);
  }

  /** This install's key pairs, made on first use. */
  async device(): Promise<DeviceState> {
    if (!this.#state.device || this.#state.device.server !== this.api.baseUrl) {
      const sealing = generateX25519KeyPair();
      const signing = generateEd25519KeyPair();
      this.#state.device = {
        server: this.api.baseUrl,
        sealing: { secretKey: toBase64(sealing.secretKey), publicKey: toBase64(sealing.publicKey) },
        signing: { secretKey: toBase64(signing.secretKey), publicKey: toBase64(signing.publicKey) },
      };
      await this.#save();
    }
    return this.#state.device;
  }

  get session(): SessionState | undefined {
    return this.#state.session?.server === this.api.baseUrl ? this.#state.session : undefined;
  }

  async #derive(password: string, email: string, seed: Uint8Array, params: KdfParams): Promise<MasterKey> {
    this.#progress('Deriving your key with Argon2id (64 MiB, a moment)…');
    // login() judged the server's parameters before this message; deriveMasterKey checks the floor again (M1).
    return deriveMasterKey(password, email, seed, params);
  }

  async register(email: string, password: string, deviceName = 'this device'): Promise<void> {
    const device = await this.device();
    const seed = generateKdfSeed();
    const master = await this.#derive(password, email, seed, DEFAULT_KDF_PARAMS);
    const accountKey = generateAccountKey();
    const x = deriveSrpPrivateKey(master);
    const wrapped = wrapAccountKey(deriveKeyEncryptionKey(master), accountKey, { owner: email, params: master.params });
    // This device names itself and signs its own addition: the first entry of the device list's history.
    const newId = crypto.randomUUID();
    const newUserId = crypto.randomUUID();
    const keys = { id: newId, signingPublicKey: device.signing.publicKey, sealingPublicKey: device.sealing.publicKey };
    const { deviceId } = await this.api
      .post(
        '/api/v1/auth/register',
        RegisterResponse,
        {
          userId: newUserId,
          email,
          kdf: { seed: toBase64(seed), params: DEFAULT_KDF_PARAMS },
          srpVerifier: toBase64(bigIntToBytes(srpVerifier(group, x), group.byteLength)),
          accountKey: { wrapped: toBase64(wrapped), id: toBase64(accountKey.id) },
          device: {
            name: deviceName,
            sealingPublicKey: device.sealing.publicKey,
            signingPublicKey: device.signing.publicKey,
            id: newId,
            change: signDeviceChange({ ...device, deviceId: newId }, 'add', keys, { userId: newUserId, accountKey }),
          },
          auditPublicKey: toBase64(deriveAuditKeyPair(accountKey).publicKey),
        },
        { auth: false },
      )
      .catch((error: unknown) => {
        wipe(master.bytes);
        throw error;
      });
    device.deviceId = deviceId;
    device.email = normalizeIdentifier(email);
    await this.#save();
    wipe(accountKey.bytes);
    // The key just derived logs in too (the login wipes it): Argon2id once, not twice.
    await this.#login(email, password, { seed, master });
  }

  /** SRP-6a login; the server's M2 is checked before the wrapped key it sent is touched (M3). */
  login(email: string, password: string): Promise<void> {
    return this.#login(email, password);
  }

  /** `derived`: a master key already derived here from this password, used if the server offers its seed and parameters. */
  async #login(email: string, password: string, derived?: { seed: Uint8Array; master: MasterKey }): Promise<void> {
    const device = await this.device();
    const identity = normalizeIdentifier(email);
    const init = await this.api.post('/api/v1/auth/srp/init', SrpInitResponse, { email }, { auth: false });
    // Judged before anything is derived: malformed, below the floor, above the ceiling, or
    // changed under the seed this device last logged in with (src/kdf.ts; M1).
    const offered = readOfferedKdf(init.kdf);
    const pin = device.kdfPins?.[identity];
    assertNotTampered(pin, offered);
    const reuse =
      derived &&
      toBase64(derived.seed) === toBase64(offered.seed) &&
      JSON.stringify(derived.master.params) === JSON.stringify(offered.params);
    if (derived && !reuse) wipe(derived.master.bytes);
    const master = reuse ? derived.master : await this.#derive(password, email, offered.seed, offered.params);
    const { verified, accountKey } = await this.#prove(identity, email, init, offered, pin, master).finally(() =>
      wipe(master.bytes),
    );
    // Remembered only after a login that proved the password and opened the account key.
    device.kdfPins = { ...device.kdfPins, [identity]: pinOf(offered) };
    await this.#startSession(identity, verified.userId, verified.deviceId, accountKey, verified.tokens);
  }

  /** The SRP exchange and the unwrap, with failures explained by what this device remembers (src/kdf.ts). */
  async #prove(
    identity: string,
    email: string,
    init: SrpInitResponse,
    offered: OfferedKdf,
    pin: KdfPin | undefined,
    master: MasterKey,
  ) {
    const device = await this.device();
    const B = srpDecodePublic(group, fromBase64(init.B), 'B');
    const a = srpClientEphemeral(group);
    const srp = srpClientSession(group, { identity, salt: offered.seed, x: deriveSrpPrivateKey(master), a, B });
    const deviceId = device.email === identity ? device.deviceId : undefined;
    const verified = await this.api
      .post(
        '/api/v1/auth/srp/verify',
        SrpVerifyResponse,
        {
          challengeId: init.challengeId,
          A: toBase64(bigIntToBytes(a.public, group.byteLength)),
          M1: toBase64(srp.M1),
          ...(deviceId ? { deviceId } : {}),
        },
        { auth: false },
      )
      .catch((error: unknown) => {
        throw explainBadProof(error, pin, offered);
      });
    srpClientVerifyServer(srp, fromBase64(verified.M2));
    try {
      const accountKey = unwrapAccountKey(
        deriveKeyEncryptionKey(master),
        fromBase64(verified.accountKey.wrapped),
        { owner: email, params: offered.params },
        fromBase64(verified.accountKey.id),
      );
      return { verified, accountKey };
    } catch (error) {
      throw explainUnwrapFailure(error, pin, offered);
    }
  }

  async #startSession(
    email: string,
    userId: string,
    deviceId: string | null,
    accountKey: SymmetricKey,
    tokens: { accessToken: string; refreshToken: string },
  ) {
    const device = await this.device();
    const sealed = sealTo(
      fromBase64(device.sealing.publicKey),
      LOCAL_CONTEXT,
      new Uint8Array([...accountKey.id, ...accountKey.bytes]),
    );
    const previous = this.#state.session;
    this.#state.session = {
      server: this.api.baseUrl,
      email,
      userId,
      deviceId,
      accountKeyId: toBase64(accountKey.id),
      sealedAccountKey: toBase64(sealed),
      accessToken: tokens.accessToken,
      refreshToken: tokens.refreshToken,
      seenVersions: previous?.userId === userId ? previous.seenVersions : {},
    };
    this.api.tokens = { ...tokens };
    this.#accountKey = accountKey;
    this.#vault = undefined;
    this.#ledger = undefined;
    await this.#save();
  }

  #requireSession(): SessionState {
    const session = this.session;
    if (!session || !this.api.tokens) {
      throw new AuraError(
        'AURA_NOT_LOGGED_IN',
        'this device is not logged in; run "aura login" (or "aura device enroll")',
      );
    }
    return session;
  }

  accountKey(): SymmetricKey {
    const session = this.#requireSession();
    if (!this.#accountKey) {
      const device = this.#state.device;
      if (!device) throw new AuraError('AURA_NOT_LOGGED_IN', 'this device has no keys; log in again');
      const keyPair = {
        secretKey: fromBase64(device.sealing.secretKey),
        publicKey: fromBase64(device.sealing.publicKey),
      };
      const opened = openSealed(keyPair, LOCAL_CONTEXT, fromBase64(session.sealedAccountKey));
      const key = symmetricKey('account', opened.slice(16, 16 + KEY_BYTES));
      if (toBase64(key.id) !== session.accountKeyId || toBase64(opened.slice(0, 16)) !== session.accountKeyId) {
        throw new AuraError(
          'AURA_CRYPTO_DECRYPT_FAILED',
          'the stored session does not match its account key; log in again',
        );
      }
      this.#accountKey = key;
    }
    return this.#accountKey;
  }

  /** Support access: requests, grants and revocations (and, for agents, reading grants). */
  get support(): Support {
    const session = this.#requireSession();
    const device = this.#state.device;
    if (!device) throw new AuraError('AURA_NOT_LOGGED_IN', 'this device has no keys; log in again');
    return new Support(this.api, device, this.options.supportOperatorKey, session, () => this.vault);
  }

  /** This device's check of the account's audit log. */
  get audit(): AuditVerifier {
    const session = this.#requireSession();
    const device = this.#state.device;
    if (!device) throw new AuraError('AURA_NOT_LOGGED_IN', 'this device has no keys; log in again');
    device.auditPins ??= {};
    return new AuditVerifier(this.api, this.accountKey(), device.auditPins, session.userId, () => this.#save());
  }

  /** The user's notices: log, live stream, push subscription, email switch, sealed preferences. */
  get notifications(): Notifications {
    const session = this.#requireSession();
    return new Notifications(this.api, session.userId, this.accountKey(), this.options.openSocket);
  }

  /** Tasks: submit encrypted plans, sign approvals, and (as the agent) check and report steps. */
  get tasks(): Tasks {
    const session = this.#requireSession();
    const device = this.#state.device;
    if (!device) throw new AuraError('AURA_NOT_LOGGED_IN', 'this device has no keys; log in again');
    return new Tasks(this.api, session.userId, this.accountKey(), device);
  }

  #ledger: Ledger | undefined;

  /** This device's verified copy of the account's signed history (vault and device changes). */
  get ledger(): Ledger {
    const session = this.#requireSession();
    const device = this.#state.device;
    if (!device) throw new AuraError('AURA_NOT_LOGGED_IN', 'this device has no keys; log in again');
    if (!this.#ledger) {
      device.auditPins ??= {};
      device.ledgers ??= {};
      const ledgers = device.ledgers;
      // The ledger's state is the object saved with the device's state (its write bookkeeping rides along).
      const state = ledgers[session.userId] ?? emptyLedger();
      ledgers[session.userId] = state;
      this.#ledger = new Ledger(
        this.api,
        session.userId,
        device.auditPins,
        state,
        async (next) => {
          ledgers[session.userId] = next;
          await this.#save();
        },
        session.deviceId,
        this.accountKey(),
      );
    }
    return this.#ledger;
  }

  /** Saves what this device learnt since its last save (the ledger saves with each replay otherwise). */
  async flush(): Promise<void> {
    if (!this.#ledger?.unsaved) return;
    this.#ledger.unsaved = false;
    await this.#save();
  }

  get vault(): Vault {
    const session = this.#requireSession();
    if (!this.#vault) {
      // Made once per session: the signing key is decoded here, not on every use of the vault.
      const device = this.#state.device;
      const signer =
        device && session.deviceId
          ? { deviceId: session.deviceId, secretKey: fromBase64(device.signing.secretKey) }
          : null;
      this.#vault = new Vault(this.api, session.userId, this.accountKey(), session.seenVersions, this.ledger, signer);
    }
    return this.#vault;
  }

  /**
   * Tells the server that this device refused its answers as tampering, by kind only (the
   * server counts it for its operator). Best effort and brief: the refusal stands whatever the
   * server does with it, and a server that does not answer holds nothing up.
   */
  async reportIntegrityFailure(error: unknown): Promise<void> {
    const kind = isAuraError(error) ? INTEGRITY_KIND[error.code] : undefined;
    if (!kind || !this.session) return;
    const sent = this.api.post('/api/v1/audit/integrity-failures', NoContent, { kind }).catch(() => {});
    await Promise.race([sent, new Promise((resolve) => setTimeout(resolve, REPORT_WAIT_MS).unref())]);
  }

  async logout(): Promise<void> {
    if (this.session && this.api.tokens) await this.api.post('/api/v1/auth/logout', OkResponse).catch(() => {});
    await this.#forgetSession();
  }

  /** Ends every session of the account, on every device (each logs in again), this one included. */
  async logoutEverywhere(): Promise<number> {
    this.#requireSession();
    const { revoked } = await this.api.post('/api/v1/auth/revoke-all', RevokedSessions);
    await this.#forgetSession();
    return revoked;
  }

  async #forgetSession(): Promise<void> {
    this.#state.session = undefined;
    this.api.tokens = undefined;
    if (this.#accountKey) wipe(this.#accountKey.bytes);
    this.#accountKey = undefined;
    this.#vault = undefined;
    this.#ledger = undefined;
    await this.#save();
  }

  async status() {
    const session = this.session;
    if (!session) return { server: this.api.baseUrl, loggedIn: false as const };
    const info = await this.api.get('/api/v1/auth/session', SessionInfo);
    return { server: this.api.baseUrl, loggedIn: true as const, email: session.email, ...info };
  }

  /**
   * A new password: a fresh login with the current one proves it, then a new seed, master key,
   * verifier and wrapping of the same account key. No record is re-encrypted.
   */
  async changePassword(current: string, next: string): Promise<void> {
    const session = this.#requireSession();
    await this.login(session.email, current);
    const accountKey = this.accountKey();
    const seed = generateKdfSeed();
    const master = await this.#derive(next, session.email, seed, DEFAULT_KDF_PARAMS);
    const body = {
      kdf: { seed: toBase64(seed), params: DEFAULT_KDF_PARAMS },
      srpVerifier: toBase64(bigIntToBytes(srpVerifier(group, deriveSrpPrivateKey(master)), group.byteLength)),
      accountKey: {
        wrapped: toBase64(
          wrapAccountKey(deriveKeyEncryptionKey(master), accountKey, { owner: session.email, params: master.params }),
        ),
        id: toBase64(accountKey.id),
      },
    };
    wipe(master.bytes);
    await this.api.put('/api/v1/auth/password', OkResponse, body);
    // The new seed and parameters, so this device checks the next login against them at once.
    const device = await this.device();
    device.kdfPins = { ...device.kdfPins, [session.email]: { seed: body.kdf.seed, params: DEFAULT_KDF_PARAMS } };
    await this.#save();
  }

  /**
   * The device list checked against the signed history: every device with its verification, and
   * the problems found. One read of the list, for a caller that shows it and then refuses it.
   */
  checkedDevices(): Promise<DeviceReport> {
    const session = this.#requireSession();
    return checkedDevices(this.api, this.ledger, { userId: session.userId, accountKey: this.accountKey() });
  }

  /** Every device, each with what the signed history says of it (verification, problem). */
  async listDevices() {
    return (await this.checkedDevices()).devices;
  }

  /** The device list checked against the signed history; AURA_DEVICE_LIST_TAMPERED when it differs. */
  async verifiedDevices() {
    return refuseTampered(await this.checkedDevices());
  }

  /** Revokes a device with a revocation signed by this device, so every other device can check it. */
  async revokeDevice(id: string) {
    const session = this.#requireSession();
    const device = this.#state.device;
    if (!device || !session.deviceId) {
      throw new AuraError('AURA_DEVICE_REQUIRED', 'revocations are signed by an enrolled device; use one that is');
    }
    const target = (await listDevices(this.api)).find((d) => d.id === id);
    if (!target) throw new AuraError('AURA_NOT_FOUND', `no device ${id} in this account; see "aura device list"`);
    return revokeDevice(this.api, id, signDeviceChange({ ...device, deviceId: session.deviceId }, 'revoke', target));
  }

  /** On a new device: ask to join the account; the ticket shows the code to compare and waits. */
  async requestEnrollment(email: string, name = 'new device'): Promise<EnrollmentTicket> {
    const device = await this.device();
    return requestEnrollment(this.api, device, normalizeIdentifier(email), name, async (result) => {
      device.deviceId = result.deviceId;
      device.email = normalizeIdentifier(email);
      await this.#startSession(
        normalizeIdentifier(email),
        result.userId,
        result.deviceId,
        result.accountKey,
        result.tokens,
      );
      // The account's signed history must hold this device, with these keys, added by an active
      // device: otherwise the server made the approval up (the enrollment code matched, M8).
      const added = (await this.ledger.sync()).device(result.deviceId);
      if (!added || added.signingPublicKey !== device.signing.publicKey || added.revoked !== null) {
        throw new AuraError(
          'AURA_ENROLLMENT_INVALID',
          "this device is not in the account's signed history; the approval was not made by one of your devices",
        );
      }
    });
  }

  /** On an enrolled device: approve the new device showing this code, sealing the account key to it. */
  async approveEnrollment(code: string, options: { fingerprint?: string } = {}) {
    const session = this.#requireSession();
    const device = await this.device();
    if (!session.deviceId) {
      throw new AuraError(
        'AURA_NOT_LOGGED_IN',
        'this session has no enrolled device; log in from an enrolled device to approve',
      );
    }
    return approveEnrollment(
      this.api,
      device,
      { userId: session.userId, accountKey: this.accountKey() },
      code,
      options,
    );
  }

  /** Devices waiting to join this account, each with the code and fingerprint it must be showing. */
  async pendingEnrollments() {
    this.#requireSession();
    return pendingEnrollments(this.api);
  }
}
