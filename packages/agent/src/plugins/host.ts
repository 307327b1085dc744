import { isAbsolute, join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { ActionSpec, BusyEvent, CalendarView, Capabilities } from '@aura/assistant';
import type { Vault } from '@aura/client';
import { AuraError } from '@aura/errors';
import { CalendarPlugin } from './builtin/calendar.ts';
import { ContactsPlugin } from './builtin/contacts.ts';
import { ListsPlugin } from './builtin/lists.ts';
import { RemindersPlugin } from './builtin/reminders.ts';
import {
  BUILTIN_PLUGINS,
  INTEGRATION_KINDS,
  type IntegrationKind,
  type Permission,
  type PluginsFile,
  readPluginsFile,
} from './file.ts';
import { withManifest } from './legacy.ts';
import { type ExecutionContext, type IntegrationPlugin, PluginError } from './types.ts';

export interface LoadedPlugin {
  name: string;
  enabled: boolean;
  builtin: boolean;
  plugin?: IntegrationPlugin;
  error?: string;
}

/**
 * The spec's PluginManager, in the agent (and in any client that plans): loads the enabled
 * plugins from plugins.yaml, says which actions are available and what each may do without
 * asking, and runs actions, each under the user's permission and with its parameters checked
 * against the action's schema first.
 */
export class PluginHost implements Capabilities {
  readonly #plugins = new Map<string, LoadedPlugin>();
  readonly #byAction = new Map<string, { plugin: IntegrationPlugin; spec: ActionSpec }>();

  private constructor(
    readonly file: PluginsFile,
    readonly path: string,
  ) {}

  static async load(
    path: string,
    vault: Vault,
    options: {
      credentials?: (plugin: string) => Promise<Record<string, unknown> | undefined>;
      /** Makes an integration plugin (the CLI and agent pass load.ts's factory). */
      integration?: (kind: IntegrationKind, name: string) => Promise<IntegrationPlugin>;
      saveCredentials?: (plugin: string, credentials: Record<string, unknown>) => Promise<void>;
    } = {},
  ): Promise<PluginHost> {
    const file = readPluginsFile(path);
    const host = new PluginHost(file, path);
    const builtins: Record<string, () => IntegrationPlugin> = {
      calendar: () => new CalendarPlugin(vault),
      reminders: () => new RemindersPlugin(vault),
      lists: () => new ListsPlugin(vault),
      contacts: () => new ContactsPlugin(vault),
    };
    // Integrations first: an enabled CalDAV calendar answers calendar actions before the local one.
    const names = new Set([...Object.keys(file.plugins).filter((n) => !(n in builtins)), ...BUILTIN_PLUGINS]);
    for (const name of names) {
      const entry = file.plugins[name] ?? { enabled: false, config: {} };
      const builtin = name in builtins;
      const loaded: LoadedPlugin = { name, enabled: entry.enabled, builtin };
      host.#plugins.set(name, loaded);
      if (!entry.enabled) continue;
      try {
        let plugin: IntegrationPlugin;
        const kind =
          entry.kind ??
          ((INTEGRATION_KINDS as readonly string[]).includes(name) ? (name as IntegrationKind) : undefined);
        if (kind) {
          if (!options.integration) throw new Error(`${kind} integrations are not available here`);
          plugin = await options.integration(kind, name);
        } else if (entry.module) {
          const url = pathToFileURL(isAbsolute(entry.module) ? entry.module : resolve(join(path, '..'), entry.module));
          const mod = (await import(url.href)) as { default?: (vault: Vault) => Parameters<typeof withManifest>[0] };
          if (typeof mod.default !== 'function')
            throw new Error(`${entry.module} has no default export making a plugin`);
          plugin = withManifest(mod.default(vault));
        } else if (builtin) plugin = (builtins[name] as () => IntegrationPlugin)();
        else throw new Error(`"${name}" is not a built-in plugin and names no module`);
        await plugin.initialize(entry.config, await options.credentials?.(name), {
          saveCredentials: async (credentials) => options.saveCredentials?.(name, credentials),
        });
        loaded.plugin = plugin;
        for (const spec of plugin.manifest.actions)
          if (!host.#byAction.has(spec.name)) host.#byAction.set(spec.name, { plugin, spec });
      } catch (error) {
        loaded.error = (error as Error).message;
      }
    }
    return host;
  }

  plugins(): LoadedPlugin[] {
    return [...this.#plugins.values()];
  }

  permission(action: string): Permission {
    return this.file.permissions[action] ?? 'ask';
  }

  /** Actions an enabled plugin offers and the user has not denied. */
  availableActions(): ActionSpec[] {
    return [...this.#byAction.entries()].filter(([name]) => this.permission(name) !== 'deny').map(([, a]) => a.spec);
  }

  /** The plugin that answers an action, if any is enabled. */
  pluginFor(action: string): IntegrationPlugin | undefined {
    return this.#byAction.get(action)?.plugin;
  }

  /** Whether this device lets the action run without a signed approval. */
  needsApproval(action: string): boolean {
    const sideEffect = this.#byAction.get(action)?.spec.sideEffect ?? 'external';
    return sideEffect === 'external' && this.permission(action) !== 'allow';
  }

  /** Actions the user lets run without asking. */
  autoApproved(): string[] {
    return Object.entries(this.file.permissions)
      .filter(([, p]) => p === 'allow')
      .map(([a]) => a);
  }

  /** The enabled calendar plugin, read through this host (so its permission applies), for planning. */
  calendar(): CalendarView | undefined {
    if (!this.#byAction.has('calendar.list_events')) return undefined;
    return {
      eventsBetween: async (start, end) => {
        const out = (await this.execute(
          'calendar.list_events',
          { start, end },
          { taskId: 'planning', stepId: 'busy', idempotencyKey: `planning/${start}` },
        )) as { events?: BusyEvent[] };
        return out.events ?? [];
      },
    };
  }

  async execute(action: string, params: Record<string, unknown>, context: ExecutionContext): Promise<unknown> {
    if (this.permission(action) === 'deny')
      throw new AuraError('AURA_ACTION_NOT_PERMITTED', `your plugins.yaml denies ${action}`);
    const found = this.#byAction.get(action);
    if (!found)
      throw new AuraError('AURA_PLUGIN_UNAVAILABLE', `no enabled plugin can ${action}; see "aura plugins list"`);
    const checked = found.spec.input.safeParse(params);
    // A bad parameter does not get better on a retry: the step fails, saying which one.
    if (!checked.success)
      throw new PluginError(
        `${action} cannot take these parameters: ${checked.error.issues
          .map((i) => `${i.path.join('.') || '(all)'} ${i.message}`)
          .join('; ')}`,
        false,
      );
    return found.plugin.executeAction(action, checked.data, context);
  }

  async close(): Promise<void> {
    for (const p of this.#plugins.values()) await p.plugin?.close?.().catch(() => {});
  }
}

export { PluginError };
