import { readFileSync } from 'node:fs';
import { deserializeModel } from './artifact.ts';
import type { IntentModel } from './model.ts';
import { deserializeTagger, type SlotTagger } from './tagger.ts';

/** The committed intent model (scripts/train-intents.ts: HWU64 train split + Aura's examples). */
export const BUILTIN_MODEL_URL = new URL('../../model/intent-model.bin', import.meta.url);
/** The committed slot tagger (scripts/train-slots.ts: HWU64 slot annotations). */
export const BUILTIN_TAGGER_URL = new URL('../../model/slot-tagger.bin', import.meta.url);

let cached: IntentModel | undefined;
export function builtinIntentModel(): IntentModel {
  cached ??= deserializeModel(new Uint8Array(readFileSync(BUILTIN_MODEL_URL)));
  return cached;
}

let cachedTagger: SlotTagger | undefined;
export function builtinSlotTagger(): SlotTagger {
  cachedTagger ??= deserializeTagger(new Uint8Array(readFileSync(BUILTIN_TAGGER_URL)));
  return cachedTagger;
}
