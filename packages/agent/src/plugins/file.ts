import { existsSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { AuraError } from '@aura/errors';
import { parse, stringify } from 'yaml';
import * as z from 'zod';

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
