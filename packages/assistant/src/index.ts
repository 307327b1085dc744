export { ACTIONS, type ActionSpec } from './actions.ts';
export {
  checkProposedPlan,
  type Decision,
  type DecisionContext,
  decide,
  type Person,
  type PlanStep,
  type Preferences,
} from './decide.ts';
export { type Correction, Corrections, utteranceKey } from './learning.ts';
export { deserializeModel, serializeModel } from './nlu/artifact.ts';
export { builtinIntentModel } from './nlu/builtin-model.ts';
export { parseIntentCsv } from './nlu/dataset.ts';
export { buildIntentModel, fitTemperature, type IntentModel, type Prediction, predict, train } from './nlu/model.ts';
export { preferencesFromNotes } from './preferences.ts';
export { builtinProvider } from './providers/builtin.ts';
export { llamaCppProvider } from './providers/llama-cpp.ts';
export { type OpenAiOptions, openAiProvider } from './providers/openai.ts';
export type { IntentProvider, PlanningProvider, ProposedStep } from './providers/types.ts';
export { extractSlots, type Slots } from './slots.ts';
