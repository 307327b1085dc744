import {
  ACTIONS,
  heProvider,
  LocalCalendar,
  loadBuiltinModels,
  loadHeModel,
  type PlanStep,
  understand,
} from '@aura/assistant';
import {
  AuraClient,
  type CollectionName,
  type ContextData,
  type LoggedEvent,
  type PersonData,
  type RecordData,
  type VaultRecord,
} from '@aura/client';
import { AuraError, isAuraError } from '@aura/errors';
import type { HeEngine } from '@aura/he/client';
import { wrap } from 'comlink';
import { createStore, get, set } from 'idb-keyval';
import type {
  AskResult,
  AuditStatus,
  Conversation,
  DeviceView,
  Me,
  MeaningSetting,
  MemoryView,
  PluginChoice,
  SearchResult,
  WebError,
  WebSettings,
} from '../shared/types.ts';
import { IndexedDbHeKeyStore, IndexedDbIndexCache, IndexedDbStateStore } from './idb-store.ts';
import { checkMeaning, DashboardMemory, providerOf } from './memory.ts';
import { browserSocket } from './socket.ts';

/** The plugins whose actions the browser plans with by default: the agent's defaults (plugins.yaml). */
const DEFAULT_PLUGINS = ['calendar', 'reminders', 'lists', 'contacts'];
const SETTINGS_TYPE = 'web-settings';
const CONVERSATION_TYPE = 'conversation';
// One database per store: idb-keyval creates one store per database it opens.
const local = createStore('aura-local', 'keyval');
/** The dashboard's own records among the contexts: not the user's notes, not searched. */
const internal = (data: ContextData) => data.type === SETTINGS_TYPE || data.type === CONVERSATION_TYPE;
const OFF: MeaningSetting = { kind: 'off' };

/** A sealed setting as saved (an older record has none: off). */
function meaningFrom(value: unknown): MeaningSetting {
  const v = (value ?? {}) as Partial<Record<'kind' | 'url' | 'model' | 'apiKey', unknown>>;
  if (v.kind === 'builtin') return { kind: 'builtin' };
  if (v.kind === 'endpoint' && typeof v.url === 'string' && typeof v.model === 'string')
    return { kind: 'endpoint', url: v.url, model: v.model, apiKey: typeof v.apiKey === 'string' ? v.apiKey : '' };
  return OFF;
}

/** What the UI sees of a failure: the stable code and a sentence (errors cross the worker boundary as data). */
export function asWebError(error: unknown): WebError {
  if (error instanceof AuraError) return { code: error.code, message: error.message };
  if (error instanceof TypeError && /fetch|network/i.test(error.message))
    return { code: 'AURA_UNREACHABLE', message: 'the Aura server cannot be reached; check that it is running' };
  return { code: 'AURA_INTERNAL', message: error instanceof Error ? error.message : String(error) };
}

/**
 * Everything the dashboard does with keys, in a Web Worker: the UI thread never holds a key,
 * and Argon2id (hundreds of milliseconds of WebAssembly) never freezes it. The same SDK and the
 * same reasoning code as the CLI; the server sees what it sees from `aura`.
 */
export class KeysService {
  #client: AuraClient | undefined;
  #progress: ((step: string) => void) | undefined;
  #following: AbortController | undefined;
  readonly #indexCache = new IndexedDbIndexCache();
  readonly #memory = new DashboardMemory(this.#indexCache, internal);

  async #open(): Promise<AuraClient> {
    this.#client ??= await AuraClient.open({
      server: self.location.origin,
      store: new IndexedDbStateStore(),
      openSocket: browserSocket,
      onProgress: (step) => this.#progress?.(step),
    });
    return this.#client;
  }

  async #withProgress<T>(onProgress: ((step: string) => void) | undefined, run: () => Promise<T>): Promise<T> {
    this.#progress = onProgress;
    try {
      return await run();
    } finally {
      this.#progress = undefined;
    }
  }

  async me(): Promise<Me | null> {
    const client = await this.#open();
    const session = client.session;
    if (!session) return null;
    // A session ended elsewhere (log out everywhere, a revoked device) is found out at start.
    try {
      await client.status();
    } catch (error) {
      if (error instanceof AuraError && error.status === 401) {
        await this.#forgetIndex();
        await client.logout();
        return null;
      }
      throw error;
    }
    // Signed in: search by meaning as the sealed setting says, re-embedding in the background.
    void this.#memoryOf(client);
    const device = await client.device();
    const { fingerprint } = await client.checkedDevices().then(
      (r) => r.devices.find((d) => d.id === session.deviceId) ?? { fingerprint: '' },
      () => ({ fingerprint: '' }),
    );
    return { email: session.email, userId: session.userId, deviceId: device.deviceId ?? null, fingerprint };
  }

  async register(email: string, password: string, deviceName: string, onProgress?: (step: string) => void) {
    const client = await this.#open();
    await this.#withProgress(onProgress, () => client.register(email, password, deviceName));
    return this.me();
  }

  async login(email: string, password: string, onProgress?: (step: string) => void) {
    const client = await this.#open();
    await this.#withProgress(onProgress, () => client.login(email, password));
    return this.me();
  }

  /** Signed out: no search of this account runs, and its sealed index leaves this browser. */
  async #forgetIndex(): Promise<void> {
    this.#memoryReady = undefined;
    this.#memory.reset();
    await this.#indexCache.clear();
  }

  async logout(): Promise<void> {
    this.#following?.abort();
    await this.#forgetIndex();
    await (await this.#open()).logout();
  }

  async logoutEverywhere(): Promise<number> {
    this.#following?.abort();
    await this.#forgetIndex();
    return (await this.#open()).logoutEverywhere();
  }

  async changePassword(current: string, next: string, onProgress?: (step: string) => void): Promise<void> {
    const client = await this.#open();
    await this.#withProgress(onProgress, () => client.changePassword(current, next));
  }

  /** This browser asks to join the account; `onTicket` shows the code, the promise ends at approval. */
  async enroll(email: string, name: string, onTicket: (t: { code: string; fingerprint: string }) => void) {
    const ticket = await (await this.#open()).requestEnrollment(email, name);
    onTicket({ code: ticket.code, fingerprint: ticket.fingerprint });
    await ticket.wait();
    return this.me();
  }

  async pendingEnrollments() {
    return (await this.#open()).pendingEnrollments();
  }

  async approveEnrollment(code: string, fingerprint: string) {
    return (await this.#open()).approveEnrollment(code, { fingerprint });
  }

  async devices(): Promise<DeviceView[]> {
    const report = await (await this.#open()).checkedDevices();
    return report.devices.map((d) => ({
      id: d.id,
      name: d.name ?? '',
      fingerprint: d.fingerprint,
      revokedAt: d.revokedAt ?? null,
      verification: d.verification,
    }));
  }

  async revokeDevice(id: string): Promise<void> {
    await (await this.#open()).revokeDevice(id);
  }

  // Records: decrypted here, found through blind indexes (the server matches tokens it cannot read).

  async list<C extends CollectionName>(collection: C): Promise<VaultRecord<C>[]> {
    return (await this.#open()).vault.list(collection);
  }

  async search<C extends CollectionName>(collection: C, query: string): Promise<VaultRecord<C>[]> {
    return (await this.#open()).vault.search(collection, query);
  }

  /** Notes and people are written with their vectors (Memory), the rest as they are. */
  async put<C extends CollectionName>(collection: C, data: RecordData[C]): Promise<VaultRecord<C>> {
    const client = await this.#open();
    if (collection === 'relationships' || (collection === 'contexts' && !internal(data as ContextData)))
      return (await this.#memoryOf(client)).remember(collection as 'contexts', data as ContextData) as Promise<
        VaultRecord<C>
      >;
    return client.vault.put(collection, data);
  }

  async update<C extends CollectionName>(collection: C, id: string, data: RecordData[C]): Promise<VaultRecord<C>> {
    const client = await this.#open();
    const vault = client.vault;
    const record = await vault.get(collection, id);
    if (collection === 'relationships' || (collection === 'contexts' && !internal(data as ContextData))) {
      return (await this.#memoryOf(client)).revise(
        collection as 'contexts',
        record as VaultRecord<'contexts'>,
        data as ContextData,
      ) as Promise<VaultRecord<C>>;
    }
    return vault.update(collection, record, data);
  }

  async remove(collection: CollectionName, id: string): Promise<void> {
    await (await this.#memoryOf(await this.#open())).forget(collection, id);
  }

  /** The search of the sealed setting (read once after sign-in, then kept as saved here). */
  async #memoryOf(client: AuraClient): Promise<DashboardMemory> {
    this.#memoryReady ??= this.settings().then(
      (s) => void this.#memory.use(client.vault, s.meaning),
      () => void this.#memory.use(client.vault, OFF),
    );
    await this.#memoryReady;
    return this.#memory;
  }
  #memoryReady: Promise<void> | undefined;

  /** Everyone, or those a search finds by words and by meaning. */
  async people(query: string): Promise<SearchResult<VaultRecord<'relationships'>>> {
    const client = await this.#open();
    if (!query.trim()) {
      const all = await client.vault.list('relationships');
      return { hits: all.map((record) => ({ record, via: [], confidence: null })), notice: null };
    }
    return (await this.#memoryOf(client)).search('relationships', query);
  }

  /** Notes of the user's context, without the dashboard's own records (settings, conversations). */
  async notes(query: string, types: string[] = []): Promise<SearchResult<VaultRecord<'contexts'>>> {
    const client = await this.#open();
    if (!query.trim()) {
      const all = (await client.vault.list('contexts')).filter(
        (r) => !internal(r.data) && (types.length === 0 || types.includes(r.data.type ?? '')),
      );
      return { hits: all.map((record) => ({ record, via: [], confidence: null })), notice: null };
    }
    return (await this.#memoryOf(client)).search('contexts', query, types);
  }

  // Search by meaning.

  /** Calls `onChange` with each change of the model or of the re-embedding's progress. */
  watchMemory(onChange: (view: MemoryView) => void): void {
    this.#memory.watch(onChange);
  }

  async week(startIso: string) {
    const calendar = new LocalCalendar((await this.#open()).vault);
    const end = new Date(new Date(startIso).getTime() + 7 * 86_400_000).toISOString();
    return calendar.eventsBetween(startIso, end);
  }

  // The assistant.

  async settings(): Promise<WebSettings & { id: string | null }> {
    const record = (await (await this.#open()).vault.list('contexts')).find((r) => r.data.type === SETTINGS_TYPE);
    const fields = (record?.data.fields ?? {}) as Partial<WebSettings>;
    return {
      id: record?.id ?? null,
      plugins: fields.plugins ?? DEFAULT_PLUGINS,
      reasoning: fields.reasoning === 'agent' || fields.reasoning === 'encrypted' ? fields.reasoning : 'browser',
      llmUrl: typeof fields.llmUrl === 'string' ? fields.llmUrl : '',
      meaning: meaningFrom(fields.meaning),
    };
  }

  /**
   * Saves what changed. A new search setting is checked first (an http(s) address, a model, an
   * endpoint that answers this browser), and nothing is saved when it fails; then the notes and
   * people re-embed in the background when the model changed.
   */
  async saveSettings(changes: Partial<WebSettings>): Promise<void> {
    const client = await this.#open();
    const { id, ...current } = await this.settings();
    const next: WebSettings = { ...current, ...changes };
    if (changes.meaning) {
      next.meaning = checkMeaning(changes.meaning, self.location.origin);
      if (next.meaning.kind === 'endpoint')
        await providerOf(next.meaning)?.embed(['Aura checks that this endpoint answers']);
    }
    const data: ContextData = { text: 'dashboard settings', type: SETTINGS_TYPE, fields: { ...next } };
    if (!id) await client.vault.put('contexts', data);
    // Read again on a conflict: another of the user's devices may have saved its settings meanwhile.
    for (let attempt = 0; id; attempt++) {
      try {
        await client.vault.update('contexts', await client.vault.get('contexts', id), data);
        break;
      } catch (error) {
        if (!isAuraError(error, 'AURA_CONFLICT') || attempt >= 3) throw error;
      }
    }
    this.#memory.use(client.vault, next.meaning);
    this.#memoryReady = Promise.resolve();
  }

  async plugins(): Promise<PluginChoice[]> {
    const { plugins } = await this.settings();
    const byPlugin = new Map<string, string[]>();
    for (const a of ACTIONS) {
      const plugin = a.name.split('.')[0] ?? a.name;
      byPlugin.set(plugin, [...(byPlugin.get(plugin) ?? []), a.name]);
    }
    return [...byPlugin].map(([name, actions]) => ({ name, actions, enabled: plugins.includes(name) }));
  }

  #he: HeEngine | undefined;

  /** The CKKS worker (he.worker.ts), started on the first encrypted request. */
  #heEngine(): HeEngine {
    this.#he ??= wrap<HeEngine>(
      new Worker(new URL('./he.worker.ts', import.meta.url), { type: 'module', name: 'aura-he' }),
    );
    return this.#he;
  }

  /**
   * Understood here with the builtin model (or with the intent read by the server from encrypted
   * features, or handed to the agent), planned, and submitted as a task.
   */
  async ask(text: string, conversationId: string | null): Promise<AskResult> {
    const client = await this.#open();
    const settings = await this.settings();
    if (settings.reasoning === 'agent') {
      const requestId = await client.tasks.postRequest(text);
      const result: AskResult = { kind: 'sent', requestId, text };
      return { ...result, conversationId: await this.#remember(conversationId, text, result) };
    }
    const encrypted = settings.reasoning === 'encrypted';
    await Promise.all([loadBuiltinModels(), encrypted ? loadHeModel() : undefined]);
    const actions = ACTIONS.filter((a) => settings.plugins.includes(a.name.split('.')[0] ?? ''));
    // With search by meaning on, the notes nearest the request (by meaning only) are retrieved.
    const memory = (await this.#memoryOf(client)).retrieval;
    const { decision, decisionId } = await understand(client.vault, text, {
      ...(memory ? { memory } : {}),
      host: { availableActions: () => actions, autoApproved: () => [], calendar: () => undefined },
      // The intent from the server's evaluation of features encrypted here (node-seal is loaded then).
      ...(encrypted ? { provider: heProvider(client.api, new IndexedDbHeKeyStore(), this.#heEngine()) } : {}),
    });
    const task =
      decision.status === 'ready' && decision.plan.length > 0
        ? await client.tasks.submit({
            request: { text, intent: decision.intent, reasoning: decision.reasoning },
            steps: decision.plan,
          })
        : undefined;
    const result: AskResult = {
      kind: 'understood',
      text,
      decisionId,
      taskId: task?.id ?? null,
      intent: decision.intent,
      confidence: decision.confidence,
      status: decision.status,
      when: decision.slots.when ? { text: decision.slots.when.text, start: decision.slots.when.start } : null,
      people: decision.people.map((p) => p.name),
      plan: decision.plan.map((s: PlanStep) => ({
        id: s.id,
        action: s.action,
        why: s.why,
        requiresApproval: s.requiresApproval,
      })),
      questions: decision.questions,
      reasoning: decision.reasoning,
      ...(decision.retrieved
        ? { retrieved: decision.retrieved.map((r) => ({ text: r.text, confidence: r.confidence })) }
        : {}),
    };
    return { ...result, conversationId: await this.#remember(conversationId, text, result) };
  }

  /**
   * An answer to the assistant's question ("Which John?") teaches the decision what it lacked,
   * as `aura feedback --correct-slot` does, and the request is understood again with it.
   */
  async answer(
    decisionId: string,
    slot: 'person' | 'when' | 'title' | 'place',
    value: string,
    conversationId: string | null,
  ) {
    const vault = (await this.#open()).vault;
    const decision = await vault.get('learning-events', decisionId);
    const text = decision.data.text ?? '';
    await vault.put('learning-events', {
      kind: 'feedback',
      text,
      input: { decisionId },
      output: { slots: { [slot]: value } },
      feedback: 'correction',
    });
    return this.ask(text, conversationId);
  }

  async feedback(decisionId: string, verdict: 'accept' | 'reject', correctIntent?: string): Promise<void> {
    const vault = (await this.#open()).vault;
    const decision = await vault.get('learning-events', decisionId);
    await vault.put('learning-events', {
      kind: 'feedback',
      text: decision.data.text ?? '',
      input: { decisionId },
      output: correctIntent ? { intent: correctIntent } : (decision.data.output ?? {}),
      feedback: correctIntent ? 'correction' : verdict === 'accept' ? 'positive' : 'negative',
    });
  }

  /** The conversation, kept in the vault as one encrypted note per conversation. */
  async #remember(conversationId: string | null, text: string, result: AskResult): Promise<string> {
    const vault = (await this.#open()).vault;
    const turn = { at: new Date().toISOString(), text, result };
    if (conversationId) {
      const record = await vault.get('contexts', conversationId);
      const turns = ((record.data.fields?.turns as unknown[]) ?? []).concat(turn);
      await vault.update('contexts', record, { ...record.data, fields: { turns } });
      return conversationId;
    }
    const created = await vault.put('contexts', {
      text: text.slice(0, 200),
      type: CONVERSATION_TYPE,
      fields: { turns: [turn] },
    });
    return created.id;
  }

  async conversations(): Promise<Conversation[]> {
    const all = await (await this.#open()).vault.list('contexts');
    return all
      .filter((r) => r.data.type === CONVERSATION_TYPE)
      .map((r) => ({
        id: r.id,
        title: r.data.text,
        updatedAt: r.updatedAt,
        turns: (r.data.fields?.turns ?? []) as Conversation['turns'],
      }))
      .sort((a, b) => b.updatedAt.localeCompare(a.updatedAt));
  }

  async tasks() {
    return (await this.#open()).tasks.list();
  }

  async task(id: string) {
    return (await this.#open()).tasks.show(id);
  }

  /** Signed here with this browser's device key, over the step as this device reads it. */
  async decide(taskId: string, decision: 'approve' | 'reject', stepId?: string): Promise<string[]> {
    return (await this.#open()).tasks.decide(taskId, decision, stepId ? { stepId } : {});
  }

  /** The notifications WebSocket, resumed from the last seq seen, until unfollow() or logout. */
  async follow(onEvent: (event: LoggedEvent) => void, onState: (state: 'live' | 'reconnecting') => void) {
    this.#following?.abort();
    const controller = new AbortController();
    this.#following = controller;
    const client = await this.#open();
    client.notifications
      .follow(onEvent, {
        signal: controller.signal,
        onConnected: () => onState('live'),
        onReconnecting: () => onState('reconnecting'),
      })
      .catch(() => onState('reconnecting'));
  }

  unfollow(): void {
    this.#following?.abort();
  }

  async events(after: number) {
    return (await this.#open()).notifications.log({ after, limit: 200 });
  }

  // Trust.

  /** Inclusion of every entry and consistency with the last checkpoint, checked here. */
  async audit(): Promise<AuditStatus> {
    const client = await this.#open();
    const userId = client.session?.userId ?? '';
    const previous = await get<AuditStatus['lastVerified']>(`audit:${userId}`, local);
    const report = await client.audit.verify();
    if (!report.valid) return { valid: false, issues: report.issues, entries: [], lastVerified: previous ?? null };
    const { entries } = await client.audit.entries();
    const lastVerified = { at: new Date().toISOString(), treeSize: report.treeSize, root: report.merkleRoot };
    await set(`audit:${userId}`, lastVerified, local);
    return {
      valid: true,
      issues: [],
      lastVerified,
      entries: entries
        .slice(-100)
        .reverse()
        .map((e) => ({
          index: e.index,
          timestamp: e.timestamp,
          eventType: e.eventType,
          action: e.action,
          result: e.result,
          actor: `${e.actorType} ${e.actorId.slice(0, 8)}`,
        })),
    };
  }

  async supportRequests() {
    const requests = await (await this.#open()).support.requests();
    return requests.map((r) => ({
      id: r.id,
      ticket: r.ticket,
      status: r.status,
      createdAt: r.createdAt,
      agentId: r.agent.id,
      agentName: r.agent.name,
      agentFingerprint: r.agentFingerprint,
    }));
  }

  async supportGrants() {
    return (await (await this.#open()).support.grants()).map((g) => ({
      id: g.id,
      agentId: g.agentId,
      categories: g.categories,
      validUntil: g.validUntil,
      revokedAt: g.revokedAt,
    }));
  }

  /** Granted only to the agent whose fingerprint the person confirmed (checked again here). */
  async grantSupport(
    agentId: string,
    requestId: string,
    categories: CollectionName[],
    fingerprint: string,
    hours: number,
  ) {
    const support = (await this.#open()).support;
    return support.grant(agentId, categories, {
      hours,
      requestId,
      confirm: async (agent) => agent.fingerprint === fingerprint,
    });
  }

  async revokeGrant(id: string): Promise<void> {
    await (await this.#open()).support.revoke(id);
  }

  // Notification channels.

  async vapidKey(): Promise<string> {
    return (await this.#open()).notifications.vapidKey();
  }

  async subscribePush(subscription: { endpoint: string; keys: { p256dh: string; auth: string } }): Promise<void> {
    await (await this.#open()).notifications.subscribePush(subscription);
  }

  async unsubscribePush(): Promise<void> {
    await (await this.#open()).notifications.unsubscribePush();
  }

  async deliveries() {
    return (await this.#open()).notifications.deliveries();
  }
}

export type { ContextData, PersonData };
