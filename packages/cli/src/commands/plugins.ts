import { mkdirSync } from 'node:fs';
import { AuraError } from '@aura/errors';
import { command, need } from '../command.ts';
import { auraHome, pluginsPath } from '../home.ts';
import { progress, render, UsageError, UsageHelp } from '../output.ts';
import { addPlugin, INTEGRATION_OPTIONS } from './plugin-add.ts';

/** aura plugins …: plugins.yaml in the Aura home, and the integrations' credentials in the vault. */
export const plugins = command(INTEGRATION_OPTIONS, async (client, [, verb, name], flags) => {
  const { json } = flags;
  const agent = await import('@aura/agent');
  const path = pluginsPath();
  const builtin = agent.BUILTIN_PLUGINS as readonly string[];
  switch (verb) {
    case undefined:
    case 'list': {
      const file = agent.readPluginsFile(path);
      const rows = [...new Set([...builtin, ...Object.keys(file.plugins)])].map((n) => ({
        name: n,
        enabled: file.plugins[n]?.enabled ? 'yes' : 'no',
        kind: builtin.includes(n) ? 'built-in' : (file.plugins[n]?.module ?? ''),
      }));
      const permissions = Object.entries(file.permissions).map(([action, p]) => ({ action, permission: p }));
      await render(
        { file: path, plugins: rows, permissions },
        {
          json,
          parts: [
            { table: rows, columns: ['name', 'enabled', 'kind'] },
            ...(permissions.length ? [{ table: permissions, columns: ['action', 'permission'] }] : []),
          ],
        },
      );
      // Loading the plugins to report why one did not load is for a person reading; JSON lists the file.
      if (json) return;
      if ((await client.status()).loggedIn) {
        const host = await agent.loadPluginHost(path, client.vault);
        for (const p of host.plugins().filter((x) => x.error)) progress(`${p.name}: ${p.error}`);
        await host.close();
      }
      return progress(`(${path})`);
    }
    case 'enable':
    case 'disable': {
      const plugin = need(name, 'NAME');
      const file = agent.readPluginsFile(path);
      const entry = file.plugins[plugin];
      if (!entry && !builtin.includes(plugin))
        throw new UsageError(`no plugin "${plugin}"; built-in ones are ${agent.BUILTIN_PLUGINS.join(', ')}`);
      file.plugins[plugin] = { ...(entry ?? { config: {} }), enabled: verb === 'enable' };
      mkdirSync(auraHome(), { recursive: true, mode: 0o700 });
      agent.writePluginsFile(path, file);
      return progress(`${plugin} ${verb === 'enable' ? 'enabled' : 'disabled'}.`);
    }
    case 'add':
      return addPlugin(client, name, flags);
    case 'test': {
      const plugin = need(name, 'NAME');
      const host = await agent.loadPluginHost(path, client.vault);
      try {
        const loaded = host.plugins().find((p) => p.name === plugin);
        if (!loaded) throw new UsageError(`no plugin "${plugin}" in ${path}`);
        if (!loaded.enabled)
          throw new AuraError('AURA_PLUGIN_UNAVAILABLE', `${plugin} is disabled ("aura plugins enable ${plugin}")`);
        if (!loaded.plugin) throw new AuraError('AURA_PLUGIN_UNAVAILABLE', `${plugin} did not load: ${loaded.error}`);
        const check = await loaded.plugin.validateCredentials();
        await render({ plugin, ...check }, { json, sentence: `${plugin}: ${check.message}` });
        if (!check.ok) throw new AuraError('AURA_PLUGIN_UNAVAILABLE', `${plugin}: ${check.message}`);
      } finally {
        await host.close();
      }
      return;
    }
  }
  throw new UsageHelp('plugins');
});
