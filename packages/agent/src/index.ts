export { Agent, type AgentOptions } from './agent.ts';
export { Journal } from './journal.ts';
export { CalendarPlugin } from './plugins/builtin/calendar.ts';
export { ContactsPlugin } from './plugins/builtin/contacts.ts';
export { ListsPlugin } from './plugins/builtin/lists.ts';
export { RemindersPlugin } from './plugins/builtin/reminders.ts';
export { loadPluginCredentials, savePluginCredentials } from './plugins/credentials.ts';
export {
  BUILTIN_PLUGINS,
  DEFAULT_PLUGINS_YAML,
  INTEGRATION_KINDS,
  type IntegrationKind,
  Permission,
  PluginsFile,
  readPluginsFile,
  writePluginsFile,
} from './plugins/file.ts';
export { type LoadedPlugin, PluginHost } from './plugins/host.ts';
export { idFor } from './plugins/ids.ts';
export { loadPluginHost, makeIntegration } from './plugins/load.ts';
export {
  type ActionHandler,
  type ActionTable,
  type CredentialCheck,
  type ExecutionContext,
  type IntegrationPlugin,
  PluginError,
  type PluginManifest,
} from './plugins/types.ts';
