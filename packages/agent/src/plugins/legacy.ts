import { type ActionSpec, inputOfKinds, type ParamKind } from '@aura/assistant';
import type { CredentialCheck, ExecutionContext, IntegrationPlugin, PluginManifest } from './types.ts';

/** An action as plugins declared it before manifests: approval by one flag, parameters by kind. */
interface FlaggedAction {
  name: string;
  description: string;
  externalSideEffects: boolean;
  params: Record<string, ParamKind>;
}

/** A third-party plugin written before manifests (name, description, getAvailableActions). */
interface UnversionedPlugin {
  name: string;
  description: string;
  initialize: IntegrationPlugin['initialize'];
  getAvailableActions(): FlaggedAction[];
  executeAction(action: string, params: Record<string, unknown>, context: ExecutionContext): Promise<unknown>;
  validateCredentials(): Promise<CredentialCheck>;
  close?(): Promise<void>;
}

const isUnversioned = (p: object): p is UnversionedPlugin =>
  !('manifest' in p) && typeof (p as Partial<UnversionedPlugin>).getAvailableActions === 'function';

/**
 * A module's plugin as the host runs it: one with a manifest as it is; one written before them
 * gets a manifest read from its actions. Such an action that changes nothing outside Aura may
 * still change Aura's own state (the flag never said more), so it is `internal`, not `none`.
 */
export function withManifest(plugin: IntegrationPlugin | UnversionedPlugin): IntegrationPlugin {
  if (!isUnversioned(plugin)) return plugin;
  return {
    get manifest(): PluginManifest {
      return {
        name: plugin.name,
        version: '0.0.0',
        description: plugin.description,
        actions: plugin.getAvailableActions().map(
          (a): ActionSpec => ({
            name: a.name,
            description: a.description,
            sideEffect: a.externalSideEffects ? 'external' : 'internal',
            params: a.params,
            input: inputOfKinds(a.params),
          }),
        ),
      };
    },
    initialize: (config, credentials, services) => plugin.initialize(config, credentials, services),
    executeAction: (action, params, context) => plugin.executeAction(action, params, context),
    validateCredentials: () => plugin.validateCredentials(),
    close: async () => plugin.close?.(),
  };
}
