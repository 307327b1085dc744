import type { ActionSpec } from '../actions.ts';

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

/**
 * The spec's IntegrationPlugin. A plugin runs in the agent, on the user's side of the trust
 * boundary: it sees plaintext parameters and its credentials (stored encrypted in the vault).
 */
export interface IntegrationPlugin {
  readonly name: string;
  readonly description: string;
  initialize(
    config: Record<string, unknown>,
    credentials?: Record<string, unknown>,
    services?: { saveCredentials(credentials: Record<string, unknown>): Promise<void> },
  ): Promise<void>;
  getAvailableActions(): ActionSpec[];
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
