import { builtinIntentModel } from '../nlu/builtin-model.ts';
import type { IntentModel } from '../nlu/model.ts';
import { predict } from '../nlu/model.ts';
import type { IntentProvider } from './types.ts';

/** The offline model shipped with Aura: always there, no download, no network. */
export function builtinProvider(model: IntentModel = builtinIntentModel()): IntentProvider {
  return {
    name: 'builtin',
    async classify(text) {
      const p = predict(model, text);
      return { intent: p.intent, confidence: p.confidence };
    },
  };
}
