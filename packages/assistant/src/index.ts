export { ACTIONS, type ActionSpec, actionByName, inputOfKinds, type ParamKind, type SideEffect } from './actions.ts';
export {
  type BusyEvent,
  type CalendarEvent,
  type CalendarView,
  LocalCalendar,
  type NewEvent,
  occurrences,
} from './calendar.ts';
export {
  checkProposedPlan,
  type Decision,
  type DecisionContext,
  decide,
  type Person,
  type PlanStep,
  type Preferences,
} from './decide.ts';
export { BUILTIN_EMBEDDING_DIMS, builtinEmbedding, builtinEmbeddings } from './embeddings/builtin.ts';
export { type OpenAiEmbeddingOptions, openAiEmbeddings } from './embeddings/openai.ts';
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
export { builtinIntentModel, builtinSlotTagger, loadBuiltinModels } from './nlu/builtin-model.ts';
export { buildIntentModel, combineModels, type IntentRecipe, type ScorerSpec } from './nlu/ensemble.ts';
export { denseFeatures, heIntentModel, loadHeModel, predictFromScores } from './nlu/he-model.ts';
export { type LogisticOptions, trainLogistic } from './nlu/logistic.ts';
export {
  encodeExamples,
  fitTemperature,
  type IntentModel,
  type LinearScorer,
  type Prediction,
  predict,
} from './nlu/model.ts';
export { type SlotScore, scoreTagger } from './nlu/slot-eval.ts';
export { type SvmOptions, trainSvm } from './nlu/svm.ts';
export {
  deserializeTagger,
  type SlotTagger,
  serializeTagger,
  type TaggedSpan,
  tagText,
  trainTagger,
} from './nlu/tagger.ts';
export { titleWords } from './planning/existing.ts';
export { type Intent, PLANNERS, type Plan, type PlanContext, type Planner } from './planning/index.ts';
export {
  type AppliedPreferences,
  applyPreferenceNotes,
  type PreferenceNote,
  preferencesFromNotes,
} from './preferences.ts';
export { builtinProvider } from './providers/builtin.ts';
export {
  HE_PROVIDER_NAME,
  type HeKeyStore,
  type HeTimings,
  heProvider,
  type StoredHeKeys,
} from './providers/he.ts';
export { llamaCppProvider } from './providers/llama-cpp.ts';
export { type OpenAiOptions, openAiProvider } from './providers/openai.ts';
export type { IntentProvider, PlanningProvider, ProposedStep } from './providers/types.ts';
export { extractSlots, type Slots, zoneOffsetMinutes } from './slots.ts';
export { type Capabilities, personalContext, type Understanding, understand } from './understand.ts';
