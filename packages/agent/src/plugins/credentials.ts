import type { Vault } from '@aura/client';

const TYPE = 'plugin-credentials';

/**
 * Plugin credentials (a CalDAV password, an SMTP login, OAuth tokens) are vault records: the
 * device encrypts them like any other record, so the server never holds them in plaintext.
 * Only the plugin's name is indexed (to find them), never a secret.
 */
export async function loadPluginCredentials(vault: Vault): Promise<Map<string, Record<string, unknown>>> {
  const found = new Map<string, Record<string, unknown>>();
  for (const r of await vault.list('contexts')) {
    const f = r.data.fields as { plugin?: string; credentials?: Record<string, unknown> } | undefined;
    if (r.data.type === TYPE && f?.plugin && f.credentials) found.set(f.plugin, f.credentials);
  }
  return found;
}

export async function savePluginCredentials(vault: Vault, plugin: string, credentials: Record<string, unknown>) {
  const existing = (await vault.list('contexts')).find(
    (r) => r.data.type === TYPE && (r.data.fields as { plugin?: string } | undefined)?.plugin === plugin,
  );
  const data = { text: plugin, type: TYPE, fields: { plugin, credentials } };
  if (existing) await vault.update('contexts', existing, data);
  else await vault.put('contexts', data);
}
