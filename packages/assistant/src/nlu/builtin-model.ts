import { modelBytes, preloadModelBytes } from '#model-bytes';
import { deserializeModel } from './artifact.ts';
import type { IntentModel } from './model.ts';
import { deserializeTagger, type SlotTagger } from './tagger.ts';

/** The committed intent model (scripts/train-intents.ts: HWU64 train + val splits and Aura's examples). */
export const BUILTIN_MODEL_URL = new URL('../../model/intent-model.bin', import.meta.url);
/** The committed slot tagger (scripts/train-slots.ts: HWU64 slot annotations). */
export const BUILTIN_TAGGER_URL = new URL('../../model/slot-tagger.bin', import.meta.url);

let cached: IntentModel | undefined;
export function builtinIntentModel(): IntentModel {
  cached ??= deserializeModel(modelBytes(BUILTIN_MODEL_URL));
  return cached;
}

let cachedTagger: SlotTagger | undefined;
export function builtinSlotTagger(): SlotTagger {
  cachedTagger ??= deserializeTagger(modelBytes(BUILTIN_TAGGER_URL));
  return cachedTagger;
}

/** Where files cannot be read synchronously (a browser), fetches both models; on Node, nothing to do. */
export function loadBuiltinModels(): Promise<void> {
  return preloadModelBytes([BUILTIN_MODEL_URL, BUILTIN_TAGGER_URL]);
}
