/** What crosses between the UI thread and the keys worker: plain data, structured-cloned. */

export interface WebError {
  code: string;
  message: string;
}

export interface Me {
  email: string;
  userId: string;
  deviceId: string | null;
  fingerprint: string;
}

export interface WebSettings {
  /** Plugins whose actions the browser plans with (their names: calendar, reminders, lists, …). */
  plugins: string[];
  /**
   * Understood in this browser (the builtin model), with the intent read by the server from
   * features encrypted in this browser (homomorphic, decision 0021), or handed, encrypted, to the
   * user's agent.
   */
  reasoning: 'browser' | 'encrypted' | 'agent';
  /** The OpenAI-compatible endpoint the agent uses (AURA_LLM_URL); kept here, sealed, for reference. */
  llmUrl: string;
  /** Search by meaning, shared by the user's devices (the settings record is sealed). */
  meaning: MeaningSetting;
}

/**
 * Where the dashboard gets vectors: nowhere (words only), the builtin lexical embedding on this
 * device, or an OpenAI-compatible /v1/embeddings endpoint the browser calls itself.
 */
export type MeaningSetting =
  | { kind: 'off' }
  | { kind: 'builtin' }
  | { kind: 'endpoint'; url: string; model: string; apiKey: string };

/** The dashboard's search by meaning as the worker has it: its model and its background re-embedding. */
export interface MemoryView {
  /** The model of the vectors searched; null: words only. */
  model: string | null;
  /** Whether the index's dot products run in WebAssembly SIMD here (else a JavaScript loop). */
  simd: boolean;
  reembed:
    | { state: 'idle' }
    | { state: 'running'; what: 'notes' | 'people' | 'past requests'; done: number; total: number }
    | { state: 'done'; model: string; notes: number; people: number }
    | { state: 'failed'; what: 'notes' | 'people' | 'past requests'; done: number; total: number; message: string };
}

/** A record a search found: by its words, its meaning or both, and how sure (1: every word is in it). */
export interface Found<R> {
  record: R;
  via: ('words' | 'meaning')[];
  /** null: listed, not searched. */
  confidence: number | null;
}

/** A search's hits, and why it found by words only when it had to (said once, not per hit). */
export interface SearchResult<R> {
  hits: Found<R>[];
  notice: string | null;
}

export interface PluginChoice {
  name: string;
  actions: string[];
  enabled: boolean;
}

export interface PlanStepView {
  id: string;
  action: string;
  why: string;
  requiresApproval: boolean;
}

export type AskResult = (
  | { kind: 'sent'; requestId: string; text: string }
  | {
      kind: 'understood';
      text: string;
      decisionId: string;
      taskId: string | null;
      intent: string;
      confidence: number;
      status: string;
      when: { text: string; start: string } | null;
      people: string[];
      plan: PlanStepView[];
      questions: string[];
      reasoning: string[];
      /** The notes retrieved by meaning for the request (with search by meaning on). */
      retrieved?: { text: string; confidence: number }[];
    }
) & { conversationId?: string };

export interface Conversation {
  id: string;
  title: string;
  updatedAt: string;
  turns: { at: string; text: string; result: AskResult }[];
}

export interface AuditStatus {
  valid: boolean;
  issues: { type: string; entryId: string | null; detail: string }[];
  lastVerified: { at: string; treeSize: number; root: string } | null;
  entries: { index: number; timestamp: number; eventType: string; action: string; result: string; actor: string }[];
}

export interface DeviceView {
  id: string;
  name: string;
  fingerprint: string;
  revokedAt: string | null;
  /** Whether the account's signed history holds this device with these keys. */
  verification: string;
}
