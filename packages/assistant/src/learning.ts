import { normalizeUtterance } from './nlu/features.ts';

/**
 * The per-user correction layer over the shared model: utterances the user corrected, kept as
 * encrypted learning events in their vault and read back on their own devices only. A request
 * that says the same thing (same words, any case or punctuation) gets the corrected intent.
 */
export interface Correction {
  text: string;
  intent: string;
}

export const utteranceKey = (text: string) => normalizeUtterance(text).join(' ');

export class Corrections {
  readonly #byKey = new Map<string, string>();

  constructor(corrections: Correction[] = []) {
    for (const c of corrections) this.#byKey.set(utteranceKey(c.text), c.intent);
  }

  intentFor(text: string): string | undefined {
    return this.#byKey.get(utteranceKey(text));
  }
}
