import {
  keyFingerprint,
  openEnvelope,
  openSealed,
  type SymmetricKey,
  sealEnvelope,
  sealTo,
  sign,
  symmetricKey,
  verifySignature,
} from '@aura/crypto';
import { AuraError } from '@aura/errors';
import {
  AccessRequestList,
  agentKeyStatement,
  canonicalJson,
  fromBase64,
  GrantList,
  type GrantObject,
  GrantRecords,
  OkResponse,
  RecordId,
  SupportAgent,
  toBase64,
} from '@aura/protocol';
import { fromUtf8, utf8 } from './encoding.ts';
import type { Api } from './http.ts';
import type { CollectionName } from './records.ts';
import type { DeviceState } from './state.ts';
import type { Vault } from './vault.ts';

/** A support agent as the server relays it: trusted only once checkAgent has passed. */
export type SupportAgentInfo = SupportAgent;

/** For the operator: sign an agent's name and public keys with the operator's Ed25519 key. */
export function signAgentKeys(
  operatorSecretKey: Uint8Array,
  agent: { name: string; sealingPublicKey: string; signingPublicKey: string },
): string {
  return toBase64(
    sign(
      operatorSecretKey,
      'support-agent-key',
      agentKeyStatement(agent.name, agent.sealingPublicKey, agent.signingPublicKey),
    ),
  );
}

/** An agent's keys are trusted only with the operator's signature, checked against the pinned key (M8). */
export function checkAgent(agent: SupportAgentInfo, operatorKey: string | undefined): void {
  if (!operatorKey) {
    throw new AuraError(
      'AURA_SUPPORT_NOT_CONFIGURED',
      'no support operator key is pinned in this client ("supportOperatorKey" in config.json)',
    );
  }
  const ok = verifySignature(
    fromBase64(operatorKey),
    'support-agent-key',
    agentKeyStatement(agent.name, agent.sealingPublicKey, agent.signingPublicKey),
    fromBase64(agent.operatorSignature),
  );
  if (!ok)
    throw new AuraError(
      'AURA_SUPPORT_AGENT_UNTRUSTED',
      `the keys of agent "${agent.name}" are not signed by your operator key; do not grant access`,
    );
}

const grantSlot = (grantId: string, category: string, userId: string, recordId: string) => ({
  userId,
  collection: `support-grant/${grantId}/${category}`,
  recordId,
});

const invalid = (why: string) => new AuraError('AURA_SUPPORT_GRANT_INVALID', `the grant was refused: ${why}`);

export class Support {
  constructor(
    private readonly api: Api,
    private readonly device: DeviceState,
    private readonly operatorKey: string | undefined,
    private readonly session: { userId: string; deviceId: string | null },
    private readonly vault: () => Vault,
  ) {}

  /** Makes this account a support agent, with the operator's signature over this install's keys. */
  async registerAsAgent(name: string, operatorSignature: string): Promise<SupportAgentInfo> {
    return this.api.post('/api/v1/support/agents', SupportAgent, {
      name,
      sealingPublicKey: this.device.sealing.publicKey,
      signingPublicKey: this.device.signing.publicKey,
      operatorSignature,
    });
  }

  async requestAccess(userEmail: string, ticket: string): Promise<{ id: string }> {
    return this.api.post('/api/v1/support/requests', RecordId, { userEmail, ticket });
  }

  async requests() {
    return (await this.api.get('/api/v1/support/requests', AccessRequestList)).requests.map((r) => ({
      ...r,
      agentFingerprint: keyFingerprint(fromBase64(r.agent.signingPublicKey)),
    }));
  }

  async grants() {
    return (await this.api.get('/api/v1/support/grants', GrantList)).grants;
  }

  /**
   * Grants an agent read access to whole categories for a while: the records are re-encrypted
   * under a fresh key, which is sealed to the agent; the grant is signed by this device.
   */
  async grant(
    agentId: string,
    categories: CollectionName[],
    options: {
      hours?: number;
      requestId?: string;
      /** Shown the agent's name and key fingerprint before anything is re-encrypted; false cancels. */
      confirm?: (agent: { name: string; fingerprint: string }) => Promise<boolean>;
    } = {},
  ) {
    const agent = await this.api.get(`/api/v1/support/agents/${agentId}`, SupportAgent);
    checkAgent(agent, this.operatorKey);
    const fingerprint = keyFingerprint(fromBase64(agent.signingPublicKey));
    if (options.confirm && !(await options.confirm({ name: agent.name, fingerprint }))) {
      throw new AuraError('AURA_FORBIDDEN', 'the grant was cancelled; nothing was shared');
    }
    if (!this.session.deviceId) throw new AuraError('AURA_FORBIDDEN', 'only an enrolled device can grant access');
    const grantId = crypto.randomUUID();
    const now = Date.now();
    const grant: GrantObject = {
      v: 1,
      grantId,
      userId: this.session.userId,
      agentId,
      agentSealingKey: agent.sealingPublicKey,
      categories: [...new Set(categories)].sort(),
      permissions: ['read'],
      validFrom: new Date(now - 1000).toISOString(),
      validUntil: new Date(now + (options.hours ?? 24) * 3_600_000).toISOString(),
      nonce: toBase64(crypto.getRandomValues(new Uint8Array(16))),
    };
    const grantObject = canonicalJson(grant);
    const signature = sign(fromBase64(this.device.signing.secretKey), 'support-grant', utf8(grantObject));
    const keyBytes = crypto.getRandomValues(new Uint8Array(32));
    const key = symmetricKey('grant', keyBytes);
    const records = [];
    for (const category of grant.categories as CollectionName[]) {
      for (const record of await this.vault().list(category)) {
        const envelope = sealEnvelope(
          key,
          grantSlot(grantId, category, this.session.userId, record.id),
          utf8(JSON.stringify(record.data)),
        );
        records.push({ category, recordId: record.id, encryptedData: toBase64(envelope) });
      }
    }
    await this.api.post('/api/v1/support/grants', RecordId, {
      id: grantId,
      agentId,
      ...(options.requestId ? { requestId: options.requestId } : {}),
      grantObject,
      signature: toBase64(signature),
      sealedKey: toBase64(sealTo(fromBase64(agent.sealingPublicKey), 'support-grant', keyBytes)),
      records,
    });
    keyBytes.fill(0);
    return {
      grantId,
      agent: agent.name,
      agentFingerprint: keyFingerprint(fromBase64(agent.signingPublicKey)),
      records: records.length,
      validUntil: grant.validUntil,
    };
  }

  async revoke(grantId: string): Promise<void> {
    await this.api.delete(`/api/v1/support/grants/${encodeURIComponent(grantId)}`, OkResponse);
  }

  /**
   * For the agent: the granted records, after checking that the grant is the one the user's
   * device signed, for this agent's key, within its window and categories (M9). `userId` names
   * the grant's user: grant ids are unique per user only, so two users may have chosen the same.
   */
  async read(grantId: string, options: { userId?: string } = {}) {
    const query = options.userId ? `?user=${encodeURIComponent(options.userId)}` : '';
    const { grant, records } = await this.api.get(
      `/api/v1/support/grants/${encodeURIComponent(grantId)}/records${query}`,
      GrantRecords,
    );
    if (
      !verifySignature(
        fromBase64(grant.deviceSigningPublicKey),
        'support-grant',
        utf8(grant.grantObject),
        fromBase64(grant.signature),
      )
    ) {
      throw invalid("it is not signed by the user's device");
    }
    const object = JSON.parse(grant.grantObject) as GrantObject;
    const now = Date.now();
    if (
      object.grantId !== grantId ||
      object.userId !== grant.userId ||
      (options.userId !== undefined && grant.userId !== options.userId) ||
      object.agentId !== this.session.userId ||
      object.agentSealingKey !== this.device.sealing.publicKey
    ) {
      throw invalid('it names another grant, user or agent');
    }
    if (now < Date.parse(object.validFrom) || now >= Date.parse(object.validUntil))
      throw invalid('it is outside its signed window');
    if (records.some((r) => !object.categories.includes(r.category)))
      throw invalid('the server sent records outside the granted categories');
    let key: SymmetricKey;
    try {
      key = symmetricKey(
        'grant',
        openSealed(
          {
            secretKey: fromBase64(this.device.sealing.secretKey),
            publicKey: fromBase64(this.device.sealing.publicKey),
          },
          'support-grant',
          fromBase64(grant.sealedKey),
        ),
      );
    } catch {
      throw invalid('its key does not open with this agent key');
    }
    return {
      grant: object,
      records: records.map((r) => ({
        category: r.category,
        recordId: r.recordId,
        data: JSON.parse(
          fromUtf8(
            openEnvelope(key, grantSlot(grantId, r.category, grant.userId, r.recordId), fromBase64(r.encryptedData)),
          ),
        ) as unknown,
      })),
    };
  }
}
