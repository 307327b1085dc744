import type { Vault } from '@aura/client';
import { loadPluginCredentials, savePluginCredentials } from './credentials.ts';
import type { IntegrationKind } from './file.ts';
import { PluginHost } from './host.ts';
import type { IntegrationPlugin } from './types.ts';

/** Makes an integration plugin; its libraries load only when one is enabled. */
export async function makeIntegration(kind: IntegrationKind, name: string): Promise<IntegrationPlugin> {
  switch (kind) {
    case 'caldav':
      return new (await import('../integrations/caldav.ts')).CalDavPlugin();
    case 'email':
      return new (await import('../integrations/email.ts')).EmailPlugin();
    case 'google':
      return new (await import('../integrations/google.ts')).GoogleCalendarPlugin();
    case 'mcp':
      return new (await import('../integrations/mcp.ts')).McpPlugin(name);
  }
}

/** The plugin host of a device: plugins.yaml, credentials from the vault, integrations wired. */
export async function loadPluginHost(path: string, vault: Vault): Promise<PluginHost> {
  const credentials = await loadPluginCredentials(vault);
  return PluginHost.load(path, vault, {
    credentials: async (name) => credentials.get(name),
    integration: makeIntegration,
    saveCredentials: (name, c) => savePluginCredentials(vault, name, c),
  });
}
