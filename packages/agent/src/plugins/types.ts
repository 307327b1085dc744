import type { ActionSpec } from '@aura/assistant';

/** What a step's execution knows besides its parameters. */
export interface ExecutionContext {
  taskId: string;
  stepId: string;
  /** The same for every attempt of a step: a plugin that creates something uses it to create it once. */
  idempotencyKey: string;
}

export interface CredentialCheck {
  ok: boolean;
  message: string;
}

/** What a plugin is and offers: each action with its input schema and what it may change. */
export interface PluginManifest {
  name: string;
  version: string;
  description: string;
  actions: ActionSpec[];
}

export type ActionHandler = (params: Record<string, unknown>, context: ExecutionContext) => Promise<unknown>;

/** A plugin's actions by name: how it dispatches. */
export type ActionTable = Record<string, ActionHandler>;

/**
 * The spec's IntegrationPlugin. A plugin runs in the agent, on the user's side of the trust
 * boundary: it sees plaintext parameters and its credentials (stored encrypted in the vault).
 */
export interface IntegrationPlugin {
  /** Read after initialize: what a plugin offers may depend on its settings or on its server's tools. */
  readonly manifest: PluginManifest;
  initialize(
    config: Record<string, unknown>,
    credentials?: Record<string, unknown>,
    services?: { saveCredentials(credentials: Record<string, unknown>): Promise<void> },
  ): Promise<void>;
  executeAction(action: string, params: Record<string, unknown>, context: ExecutionContext): Promise<unknown>;
  validateCredentials(): Promise<CredentialCheck>;
  close?(): Promise<void>;
}

/** A plugin's error a person can act on; the step fails with this message. */
export class PluginError extends Error {
  constructor(
    message: string,
    /** Worth another attempt (a server down), or not (a bad parameter). */
    readonly retryable = true,
  ) {
    super(message);
    this.name = 'PluginError';
  }
}
