import { createHash, randomUUID } from 'node:crypto';
import type { Ed25519KeyPair, SymmetricKey, X25519KeyPair } from '@aura/crypto';
import type { DeviceStatement, VaultStatement } from '@aura/protocol';
import type { InjectOptions, LightMyRequestResponse } from 'fastify';

/**
 * What a client does, done with the real client-side crypto: a test user who registers,
 * logs in over SRP and stores envelopes with blind-index tokens, for the suites that drive the
 * server's HTTP API below the SDK.
 */
const b64 = (bytes: Uint8Array) => Buffer.from(bytes).toString('base64');
const fromB64 = (s: string) => new Uint8Array(Buffer.from(s, 'base64'));
const toBig = (bytes: Uint8Array) => BigInt(`0x${Buffer.from(bytes).toString('hex') || '0'}`);

export type Inject = (options: InjectOptions) => Promise<LightMyRequestResponse>;

// Crypto and protocol (a second between them) are loaded by the first register or login, not
// by every suite that imports @aura/testing; every other method needs one of those first.
type Modules = typeof import('@aura/crypto') & typeof import('@aura/protocol');
let modules: Modules | undefined;
async function load(): Promise<Modules> {
  modules ??= { ...(await import('@aura/crypto')), ...(await import('@aura/protocol')) };
  return modules;
}
function loaded(): Modules {
  if (!modules) throw new Error('register or log in first');
  return modules;
}

export class TestUser {
  readonly email: string;
  readonly password: string;
  userId = '';
  deviceId = '';
  accessToken = '';
  refreshToken = '';
  accountKey: SymmetricKey | undefined;
  #x = 0n;
  #keys: { signing: Ed25519KeyPair; sealing: X25519KeyPair } | undefined;

  constructor(
    readonly inject: Inject,
    email = `user-${randomUUID()}@example.com`,
    password = `pw-${randomUUID()}`,
  ) {
    this.email = email;
    this.password = password;
  }

  /** This device's keys, made once, when crypto is first loaded. */
  async #ready(): Promise<Modules> {
    const m = await load();
    this.#keys ??= { signing: m.generateEd25519KeyPair(), sealing: m.generateX25519KeyPair() };
    return m;
  }

  #deviceKeys() {
    if (!this.#keys) throw new Error('register or log in first');
    return this.#keys;
  }

  #pad(n: bigint): Buffer {
    const { SRP_GROUP_2048_SHA256: group } = loaded();
    return Buffer.from(n.toString(16).padStart(group.byteLength * 2, '0'), 'hex');
  }

  async register(): Promise<this> {
    const m = await this.#ready();
    const group = m.SRP_GROUP_2048_SHA256;
    const keys = this.#deviceKeys();
    const seed = m.generateKdfSeed();
    const master = await m.deriveMasterKey(this.password, this.email, seed, m.DEFAULT_KDF_PARAMS);
    this.#x = m.deriveSrpPrivateKey(master);
    const accountKey = m.generateAccountKey();
    const wrapped = m.wrapAccountKey(m.deriveKeyEncryptionKey(master), accountKey, {
      owner: this.email,
      params: master.params,
    });
    const response = await this.inject({
      method: 'POST',
      url: '/api/v1/auth/register',
      payload: {
        email: this.email,
        kdf: { seed: b64(seed), params: m.DEFAULT_KDF_PARAMS },
        srpVerifier: b64(this.#pad(m.srpVerifier(group, this.#x))),
        accountKey: { wrapped: b64(wrapped), id: b64(accountKey.id) },
        device: (() => {
          const id = randomUUID();
          const publicKeys = {
            signingPublicKey: b64(keys.signing.publicKey),
            sealingPublicKey: b64(keys.sealing.publicKey),
          };
          // (No account-key certificate: these raw test accounts are never read through the SDK.)
          const certificate = Buffer.alloc(32).toString('base64');
          const statement: DeviceStatement = {
            kind: 'device',
            op: 'add',
            deviceId: id,
            ...publicKeys,
            certificate,
            by: id,
          };
          return { name: 'test device', id, ...publicKeys, change: this.#signed('device-change', statement) };
        })(),
      },
    });
    if (response.statusCode !== 201) throw new Error(`register failed: ${response.body}`);
    ({ userId: this.userId, deviceId: this.deviceId } = response.json());
    return this;
  }

  /** SRP login; `password` lets a test try a wrong one. Returns the raw verify response. */
  async login(password = this.password) {
    const m = await this.#ready();
    const group = m.SRP_GROUP_2048_SHA256;
    const init = await this.inject({ method: 'POST', url: '/api/v1/auth/srp/init', payload: { email: this.email } });
    if (init.statusCode !== 200) return init;
    const { challengeId, kdf, B } = init.json();
    const master = await m.deriveMasterKey(password, this.email, fromB64(kdf.seed), kdf.params);
    const x = m.deriveSrpPrivateKey(master);
    if (password === this.password) this.#x = x;
    const a = m.srpClientEphemeral(group);
    const session = m.srpClientSession(group, {
      identity: this.email.toLowerCase(),
      salt: fromB64(kdf.seed),
      x,
      a,
      B: toBig(fromB64(B)),
    });
    const verify = await this.inject({
      method: 'POST',
      url: '/api/v1/auth/srp/verify',
      payload: { challengeId, A: b64(this.#pad(a.public)), M1: b64(session.M1), deviceId: this.deviceId || undefined },
    });
    if (verify.statusCode === 200) {
      const body = verify.json();
      m.srpClientVerifyServer(session, fromB64(body.M2));
      this.accessToken = body.tokens.accessToken;
      this.refreshToken = body.tokens.refreshToken;
      this.accountKey = m.unwrapAccountKey(
        m.deriveKeyEncryptionKey(master),
        fromB64(body.accountKey.wrapped),
        { owner: this.email, params: kdf.params },
        fromB64(body.accountKey.id),
      );
    }
    return verify;
  }

  /** The SRP round trips without Argon2id: for benchmarks, with x from register() or login(). */
  async loginWithCachedKey() {
    const m = await this.#ready();
    const group = m.SRP_GROUP_2048_SHA256;
    const init = await this.inject({ method: 'POST', url: '/api/v1/auth/srp/init', payload: { email: this.email } });
    if (init.statusCode !== 200) return init;
    const { challengeId, kdf, B } = init.json();
    const a = m.srpClientEphemeral(group);
    const session = m.srpClientSession(group, {
      identity: this.email.toLowerCase(),
      salt: fromB64(kdf.seed),
      x: this.#x,
      a,
      B: toBig(fromB64(B)),
    });
    const verify = await this.inject({
      method: 'POST',
      url: '/api/v1/auth/srp/verify',
      payload: { challengeId, A: b64(this.#pad(a.public)), M1: b64(session.M1) },
    });
    if (verify.statusCode === 200) m.srpClientVerifyServer(session, fromB64(verify.json().M2));
    return verify;
  }

  get auth() {
    return { authorization: `Bearer ${this.accessToken}` };
  }

  #key(collection: string) {
    if (!this.accountKey) throw new Error('log in first');
    return loaded().deriveCollectionKey(this.accountKey, collection);
  }

  /** A statement signed by this user's device, as the SDK signs its changes (decision 0008). */
  #signed(context: string, statement: VaultStatement | DeviceStatement) {
    const m = loaded();
    const text = m.canonicalJson(statement);
    return {
      statement: text,
      signature: b64(m.sign(this.#deviceKeys().signing.secretKey, context, Buffer.from(text))),
    };
  }

  /** This device's signature over `message`, for what a suite builds itself (a support grant's object). */
  sign(context: string, message: Uint8Array): string {
    return b64(loaded().sign(this.#deviceKeys().signing.secretKey, context, message));
  }

  /** A vault change at `version` of a record, signed by this user's device. */
  #vaultChange(
    op: VaultStatement['op'],
    collection: string,
    id: string,
    version: number,
    hash = '',
    expiresAt = null as string | null,
  ) {
    const statement: VaultStatement = {
      kind: 'vault',
      op,
      collection: collection as VaultStatement['collection'],
      recordId: id,
      version,
      hash,
      bloom: '',
      expiresAt,
      deviceId: this.deviceId,
    };
    return this.#signed('vault-change', statement);
  }

  /** The signed deletion of version `version` of a record. */
  deletion(collection: string, id: string, version = 1) {
    return { version, change: this.#vaultChange('delete', collection, id, version) };
  }

  /**
   * A record body for the API: the text sealed to (user, collection, id), tokens of its words,
   * and the signed change writing it at `version` (1 for a new record).
   */
  record(
    collection: string,
    text: string,
    extra: Record<string, unknown> = {},
    id: string = randomUUID(),
    version = 1,
  ) {
    if (!this.accountKey) throw new Error('log in first');
    const m = loaded();
    const envelope = m.sealEnvelope(
      this.#key(collection),
      { userId: this.userId, collection, recordId: id },
      Buffer.from(text),
    );
    const tokens = m.blindIndexTokens(m.deriveBlindIndexKey(this.accountKey, collection, 'text'), text, {
      prefixMin: 3,
    });
    const checksum = createHash('sha256').update(envelope).digest('base64');
    const expiresAt = typeof extra.expiresAt === 'string' ? new Date(extra.expiresAt).toISOString() : null;
    return {
      id,
      encryptedData: b64(envelope),
      searchTokens: tokens.map(b64),
      checksum,
      nonce: b64(m.readEnvelopeHeader(envelope).nonce),
      change: this.#vaultChange('put', collection, id, version, checksum, expiresAt),
      ...extra,
    };
  }

  searchTokens(collection: string, query: string): string[] {
    if (!this.accountKey) throw new Error('log in first');
    const m = loaded();
    return m.blindSearchTokens(m.deriveBlindIndexKey(this.accountKey, collection, 'text'), query).map(b64);
  }

  open(collection: string, record: { id: string; encryptedData: string }): string {
    const plaintext = loaded().openEnvelope(
      this.#key(collection),
      { userId: this.userId, collection, recordId: record.id },
      fromB64(record.encryptedData),
    );
    return Buffer.from(plaintext).toString();
  }
}
