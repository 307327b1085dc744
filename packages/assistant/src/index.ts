export { deserializeModel, serializeModel } from './nlu/artifact.ts';
export { builtinIntentModel } from './nlu/builtin-model.ts';
export { parseIntentCsv } from './nlu/dataset.ts';
export { type IntentModel, type Prediction, predict, train } from './nlu/model.ts';
