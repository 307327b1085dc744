export { ACTIONS, type ActionSpec } from './actions.ts';
export { Agent, type AgentOptions } from './agent/agent.ts';
export { Journal } from './agent/journal.ts';
export { personalContext, type Understanding, understand } from './agent/understand.ts';
export {
  type BusyEvent,
  type CalendarView,
  checkProposedPlan,
  type Decision,
  type DecisionContext,
  decide,
  type Person,
  type PlanStep,
  type Preferences,
} from './decide.ts';
export {
  CONTEXT_CONFIDENCE_FLOOR,
  type Correction,
  type DecisionTrace,
  type LearningSignal,
  Personalisation,
  type SlotCorrection,
  utteranceKey,
} from './learning.ts';
export { deserializeModel, serializeModel } from './nlu/artifact.ts';
export { builtinIntentModel, builtinSlotTagger } from './nlu/builtin-model.ts';
export { parseIntentCsv } from './nlu/dataset.ts';
export { buildIntentModel, fitTemperature, type IntentModel, type Prediction, predict, train } from './nlu/model.ts';
export { type SlotScore, scoreTagger } from './nlu/slot-eval.ts';
export {
  deserializeTagger,
  type SlotTagger,
  serializeTagger,
  type TaggedSpan,
  tagText,
  trainTagger,
} from './nlu/tagger.ts';
export { CalendarPlugin, ContactsPlugin, idFor, ListsPlugin, RemindersPlugin } from './plugins/builtin.ts';
export { loadPluginCredentials, savePluginCredentials } from './plugins/credentials.ts';
export {
  BUILTIN_PLUGINS,
  DEFAULT_PLUGINS_YAML,
  INTEGRATION_KINDS,
  type IntegrationKind,
  type LoadedPlugin,
  Permission,
  PluginHost,
  PluginsFile,
  readPluginsFile,
  writePluginsFile,
} from './plugins/host.ts';
export { loadPluginHost, makeIntegration } from './plugins/load.ts';
export {
  type CalendarEvent,
  LocalCalendar,
  type NewEvent,
  occurrences,
} from './plugins/local-calendar.ts';
export { type CredentialCheck, type ExecutionContext, type IntegrationPlugin, PluginError } from './plugins/types.ts';
export {
  type AppliedPreferences,
  applyPreferenceNotes,
  type PreferenceNote,
  preferencesFromNotes,
} from './preferences.ts';
export { builtinProvider } from './providers/builtin.ts';
export { llamaCppProvider } from './providers/llama-cpp.ts';
export { type OpenAiOptions, openAiProvider } from './providers/openai.ts';
export type { IntentProvider, PlanningProvider, ProposedStep } from './providers/types.ts';
export { extractSlots, type Slots, zoneOffsetMinutes } from './slots.ts';
