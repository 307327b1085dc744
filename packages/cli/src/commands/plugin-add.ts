import { mkdirSync } from 'node:fs';
import type { AuraClient } from '@aura/client';
import { AuraError } from '@aura/errors';
import { type Flags, need } from '../command.ts';
import { auraHome, pluginsPath } from '../home.ts';
import { render, UsageError } from '../output.ts';
import { password } from '../prompt.ts';

/** What `aura plugins add KIND` asks of each kind of integration. */
export const INTEGRATION_OPTIONS = {
  name: { type: 'string' },
  url: { type: 'string' },
  username: { type: 'string' },
  calendar: { type: 'string' },
  smtp: { type: 'string' },
  imap: { type: 'string' },
  'smtp-security': { type: 'string' },
  'imap-security': { type: 'string' },
  sender: { type: 'string' },
  'ca-file': { type: 'string' },
  command: { type: 'string' },
  'read-only': { type: 'string' },
  'client-id': { type: 'string' },
  'root-url': { type: 'string' },
  'token-url': { type: 'string' },
} as const;

const hostPort = (value: string | undefined, what: string) => {
  const m = need(value, what).match(/^([^:]+):(\d{1,5})$/);
  if (!m) throw new UsageError(`${what} wants HOST:PORT, e.g. mail.example.com:587`);
  return { host: m[1] as string, port: Number(m[2]) };
};

/**
 * `aura plugins add KIND`: asks for what the integration needs, checks it with the plugin's own
 * validateCredentials, and only then stores it — settings in plugins.yaml, secrets encrypted in
 * the vault. Nothing is written when the check fails.
 */
export async function addPlugin(
  client: AuraClient,
  kindArg: string | undefined,
  flags: Flags<typeof INTEGRATION_OPTIONS>,
) {
  const agent = await import('@aura/agent');
  const kind = need(kindArg, 'KIND (caldav, email, google or mcp)');
  if (!(agent.INTEGRATION_KINDS as readonly string[]).includes(kind))
    throw new UsageError(`no integration "${kind}"; there are ${agent.INTEGRATION_KINDS.join(', ')}`);
  const secret = (label: string) => password(label, flags['password-stdin']);
  let name: string = kind;
  let config: Record<string, unknown> = {};
  let credentials: Record<string, unknown> = {};
  switch (kind) {
    case 'caldav':
      config = {
        url: need(flags.url, '--url (the CalDAV server)'),
        ...(flags.calendar ? { calendar: flags.calendar } : {}),
      };
      credentials = { username: need(flags.username, '--username'), password: await secret('CalDAV password: ') };
      break;
    case 'email': {
      const smtp = hostPort(flags.smtp, '--smtp HOST:PORT');
      config = {
        smtp: { ...smtp, security: flags['smtp-security'] ?? (smtp.port === 465 ? 'tls' : 'starttls') },
        ...(flags.imap
          ? { imap: { ...hostPort(flags.imap, '--imap HOST:PORT'), security: flags['imap-security'] ?? 'tls' } }
          : {}),
        ...(flags.sender ? { from: flags.sender } : {}),
        ...(flags['ca-file'] ? { caFile: flags['ca-file'] } : {}),
      };
      credentials = { username: need(flags.username, '--username'), password: await secret('Mail password: ') };
      break;
    }
    case 'google':
      config = {
        calendarId: flags.calendar ?? 'primary',
        ...(flags['root-url'] ? { rootUrl: flags['root-url'] } : {}),
        ...(flags['token-url'] ? { tokenUrl: flags['token-url'] } : {}),
      };
      credentials = {
        clientId: need(flags['client-id'], '--client-id (your Google OAuth client)'),
        clientSecret: await secret('OAuth client secret: '),
        refreshToken: await secret('OAuth refresh token: '),
      };
      break;
    case 'mcp': {
      name = need(flags.name, '--name (what to call this MCP server)');
      if (!/^[a-z][a-z0-9-]*$/.test(name)) throw new UsageError('--name: lower-case letters, digits and "-"');
      const readOnly = flags['read-only']
        ? flags['read-only']
            .split(',')
            .map((t) => t.trim())
            .filter(Boolean)
        : [];
      if (flags.command) {
        const [command, ...args] = flags.command.split(/\s+/).filter(Boolean);
        config = { command, args, readOnly };
      } else config = { url: need(flags.url, '--command "CMD ARGS" or --url URL'), readOnly };
      break;
    }
  }
  const plugin = await agent.makeIntegration(kind as never, name);
  try {
    await plugin.initialize(config, credentials);
    const check = await plugin.validateCredentials();
    if (!check.ok) throw new AuraError('AURA_PLUGIN_UNAVAILABLE', `${kind}: ${check.message}; nothing was saved`);
    const path = pluginsPath();
    const file = agent.readPluginsFile(path);
    file.plugins[name] = { enabled: true, ...(kind === 'mcp' ? { kind: 'mcp' as const } : {}), config };
    if (Object.keys(credentials).length) await agent.savePluginCredentials(client.vault, name, credentials);
    mkdirSync(auraHome(), { recursive: true, mode: 0o700 });
    agent.writePluginsFile(path, file);
    return render(
      { plugin: name, kind, ok: true, message: check.message },
      {
        json: flags.json,
        sentence: `${name}: ${check.message}. Enabled; the credentials are encrypted in your vault.`,
      },
    );
  } finally {
    await plugin.close?.();
  }
}
