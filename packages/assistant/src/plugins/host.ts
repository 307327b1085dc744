import { existsSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { isAbsolute, join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { Vault } from '@aura/client';
import { AuraError } from '@aura/errors';
import { parse, stringify } from 'yaml';
import { z } from 'zod';
import type { ActionSpec } from '../actions.ts';
import { CalendarPlugin, ContactsPlugin, ListsPlugin, RemindersPlugin } from './builtin.ts';
import { type ExecutionContext, type IntegrationPlugin, PluginError } from './types.ts';

/** ask: the user approves each time; allow: runs without asking; deny: never runs. */
export const Permission = z.enum(['ask', 'allow', 'deny']);
export type Permission = z.infer<typeof Permission>;

/** The integrations Aura ships: each is configured per entry in plugins.yaml. */
export const INTEGRATION_KINDS = ['caldav', 'email', 'google', 'mcp'] as const;
export type IntegrationKind = (typeof INTEGRATION_KINDS)[number];

const PluginEntry = z.strictObject({
  enabled: z.boolean().default(true),
  /** Which integration this entry is (default: the entry's name, e.g. "caldav"); any name for "mcp". */
  kind: z.enum(INTEGRATION_KINDS).optional(),
  /** A third-party plugin: a module (path relative to plugins.yaml) whose default export makes it. */
  module: z.string().optional(),
  /** Plain settings (never secrets: those are stored encrypted in the vault). */
  config: z.record(z.string(), z.unknown()).default({}),
});

export const PluginsFile = z.strictObject({
  plugins: z.record(z.string().regex(/^[a-z][a-z0-9-]*$/, 'plugin names are lower case'), PluginEntry).default({}),
  /** Per action, for this user: "calendar.create_event: allow". */
  permissions: z.record(z.string(), Permission).default({}),
});
export type PluginsFile = z.infer<typeof PluginsFile>;

export const BUILTIN_PLUGINS = ['calendar', 'reminders', 'lists', 'contacts'] as const;

/** plugins.yaml as a user finds it on a fresh install. */
export const DEFAULT_PLUGINS_YAML = `# Aura's plugins: which are enabled, and what each action may do without asking.
# aura plugins list | enable NAME | disable NAME
plugins:
  calendar: { enabled: true }
  reminders: { enabled: true }
  lists: { enabled: true }
  contacts: { enabled: true }
# ask (the default: you approve each time an action changes something), allow, or deny.
permissions: {}
`;

export function readPluginsFile(path: string): PluginsFile {
  if (!existsSync(path)) return PluginsFile.parse(parse(DEFAULT_PLUGINS_YAML));
  let raw: unknown;
  try {
    raw = parse(readFileSync(path, 'utf8')) ?? {};
  } catch (error) {
    throw new AuraError('AURA_INVALID_INPUT', `${path} is not valid YAML: ${(error as Error).message}`);
  }
  const parsed = PluginsFile.safeParse(raw);
  if (!parsed.success)
    throw new AuraError(
      'AURA_INVALID_INPUT',
      `${path}: ${parsed.error.issues.map((i) => `${i.path.join('.') || '(top)'}: ${i.message}`).join('; ')}`,
    );
  return parsed.data;
}

export function writePluginsFile(path: string, file: PluginsFile): void {
  const temp = `${path}.tmp`;
  writeFileSync(temp, `# Aura's plugins (aura plugins list | enable NAME | disable NAME)\n${stringify(file)}`, {
    mode: 0o600,
  });
  renameSync(temp, path);
}

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
 * asking, and runs actions, each under the user's permission.
 */
export class PluginHost {
  readonly #plugins = new Map<string, LoadedPlugin>();
  readonly #byAction = new Map<string, IntegrationPlugin>();

  private constructor(
    readonly file: PluginsFile,
    readonly path: string,
  ) {}

  static async load(
    path: string,
    vault: Vault,
    options: {
      credentials?: (plugin: string) => Promise<Record<string, unknown> | undefined>;
      /** Makes an integration plugin (the CLI and agent pass integrations.ts's factory). */
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
          const mod = (await import(url.href)) as { default?: (vault: Vault) => IntegrationPlugin };
          if (typeof mod.default !== 'function')
            throw new Error(`${entry.module} has no default export making a plugin`);
          plugin = mod.default(vault);
        } else if (builtin) plugin = (builtins[name] as () => IntegrationPlugin)();
        else throw new Error(`"${name}" is not a built-in plugin and names no module`);
        await plugin.initialize(entry.config, await options.credentials?.(name), {
          saveCredentials: async (credentials) => options.saveCredentials?.(name, credentials),
        });
        loaded.plugin = plugin;
        for (const action of plugin.getAvailableActions())
          if (!host.#byAction.has(action.name)) host.#byAction.set(action.name, plugin);
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
    return [...this.#byAction.entries()]
      .filter(([name]) => this.permission(name) !== 'deny')
      .flatMap(([name, plugin]) => plugin.getAvailableActions().filter((a) => a.name === name));
  }

  /** The plugin that answers an action, if any is enabled. */
  pluginFor(action: string): IntegrationPlugin | undefined {
    return this.#byAction.get(action);
  }

  /** Whether this device lets the action run without a signed approval. */
  needsApproval(action: string): boolean {
    const spec = this.#byAction
      .get(action)
      ?.getAvailableActions()
      .find((a) => a.name === action);
    return (spec?.externalSideEffects ?? true) && this.permission(action) !== 'allow';
  }

  /** Actions the user lets run without asking. */
  autoApproved(): string[] {
    return Object.entries(this.file.permissions)
      .filter(([, p]) => p === 'allow')
      .map(([a]) => a);
  }

  async execute(action: string, params: Record<string, unknown>, context: ExecutionContext): Promise<unknown> {
    if (this.permission(action) === 'deny')
      throw new AuraError('AURA_ACTION_NOT_PERMITTED', `your plugins.yaml denies ${action}`);
    const plugin = this.#byAction.get(action);
    if (!plugin)
      throw new AuraError('AURA_PLUGIN_UNAVAILABLE', `no enabled plugin can ${action}; see "aura plugins list"`);
    return plugin.executeAction(action, params, context);
  }

  async close(): Promise<void> {
    for (const p of this.#plugins.values()) await p.plugin?.close?.().catch(() => {});
  }
}

export { PluginError };
