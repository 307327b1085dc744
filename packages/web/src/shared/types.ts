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
