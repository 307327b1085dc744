import { readFileSync } from 'node:fs';
import { deserializeModel } from './artifact.ts';
import type { IntentModel } from './model.ts';

/** The committed model, built by scripts/train-intents.ts from HWU64 (DialoGLUE train split). */
export const BUILTIN_MODEL_URL = new URL('../../model/intent-model.bin', import.meta.url);

let cached: IntentModel | undefined;
export function builtinIntentModel(): IntentModel {
  cached ??= deserializeModel(new Uint8Array(readFileSync(BUILTIN_MODEL_URL)));
  return cached;
}
