/**
 * What a client install keeps between runs. The device's own key pairs (its identity), and the
 * session: tokens and the account key *sealed to the device's X25519 key*. The master key and
 * the plaintext account key are never stored. Whoever can read this state can act as the
 * device: file stores keep it readable by the user alone (docs/decisions/0005).
 */
export interface DeviceState {
  server: string;
  /** Set once the account knows this device (registration or an approved enrollment). */
  deviceId?: string;
  email?: string;
  /** Per account (user id): the audit log key first seen and the newest checkpoint verified. */
  auditPins?: Record<string, import('./audit.ts').AuditPin>;
  /** Per account (user id): this device's verified copy of the signed history (ledger.ts). */
  ledgers?: Record<string, import('./ledger.ts').LedgerState>;
  /**
   * Per account (normalized email): the KDF seed and parameters of this device's last
   * successful login. Kept across logouts; a change of parameters under the same seed is
   * refused as tampering (src/kdf.ts).
   */
  kdfPins?: Record<string, import('./kdf.ts').KdfPin>;
  sealing: { secretKey: string; publicKey: string };
  signing: { secretKey: string; publicKey: string };
}

export interface SessionState {
  server: string;
  email: string;
  userId: string;
  deviceId: string | null;
  accountKeyId: string;
  sealedAccountKey: string;
  accessToken: string;
  refreshToken: string;
  /** The highest version of each record this device has seen (rollback detection, M7). */
  seenVersions: Record<string, number>;
}

export interface ClientState {
  device?: DeviceState;
  session?: SessionState;
}

export interface StateStore {
  load(): Promise<ClientState>;
  save(state: ClientState): Promise<void>;
}

export class MemoryStateStore implements StateStore {
  #state: ClientState = {};
  async load() {
    return structuredClone(this.#state);
  }
  async save(state: ClientState) {
    this.#state = structuredClone(state);
  }
}
