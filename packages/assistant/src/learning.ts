import { normalizeUtterance } from './nlu/features.ts';

/**
 * The per-user personalisation over the shared model, rebuilt on the user's own devices from
 * their encrypted learning events (the server never sees any of it):
 * - corrections: an utterance the user corrected (intent or slots) is understood their way the
 *   next time it is said (same words, any case or punctuation);
 * - who a word means: after "John" was corrected to John Smith, "John" means John Smith;
 * - relationship importance: people in accepted plans count up, in rejected ones down, and the
 *   more important person is offered first when a name is ambiguous;
 * - context confidence: a context note (a preference) used in plans the user rejected loses
 *   confidence, and below a floor it is no longer applied.
 */
export interface SlotCorrection {
  person?: string;
  title?: string;
  place?: string;
  when?: string;
}

export interface Correction {
  text: string;
  intent?: string;
  slots?: SlotCorrection;
}

/** What a learning event says, as the personalisation reads it. */
export interface LearningSignal {
  kind: string;
  text?: string;
  feedback?: string;
  output?: unknown;
}

/** What a decision record keeps so that feedback on it can be credited to what it used. */
export interface DecisionTrace {
  intent?: string;
  people?: string[];
  contexts?: string[];
  slots?: SlotCorrection;
}

export const utteranceKey = (text: string) => normalizeUtterance(text).join(' ');

/** Below this confidence a context note is not applied. */
export const CONTEXT_CONFIDENCE_FLOOR = 0.3;

export class Personalisation {
  readonly #corrections = new Map<string, Correction>();
  readonly #aliases = new Map<string, string>();
  readonly #people = new Map<string, { up: number; down: number }>();
  readonly #contexts = new Map<string, { up: number; down: number }>();

  /** Learning events, oldest first: later corrections win. */
  static fromEvents(events: LearningSignal[]): Personalisation {
    const p = new Personalisation();
    for (const e of events) {
      if (e.kind !== 'feedback') continue;
      const out = (e.output ?? {}) as DecisionTrace;
      if (e.feedback === 'correction' && e.text) {
        p.correct({
          text: e.text,
          ...(out.intent ? { intent: out.intent } : {}),
          ...(out.slots ? { slots: out.slots } : {}),
        });
      } else if (e.feedback === 'positive' || e.feedback === 'negative') {
        p.credit(out, e.feedback === 'positive');
      }
    }
    return p;
  }

  constructor(corrections: Correction[] = []) {
    for (const c of corrections) this.correct(c);
  }

  correct(c: Correction): void {
    const key = utteranceKey(c.text);
    const before = this.#corrections.get(key);
    this.#corrections.set(key, {
      text: c.text,
      ...((c.intent ?? before?.intent) ? { intent: c.intent ?? before?.intent } : {}),
      slots: { ...before?.slots, ...c.slots },
    });
    const person = c.slots?.person;
    if (person) {
      const parts = person.toLowerCase().split(/\s+/);
      for (const word of normalizeUtterance(c.text))
        if (word.length >= 2 && parts.some((part) => part === word)) this.#aliases.set(word, person);
    }
  }

  credit(trace: DecisionTrace, accepted: boolean): void {
    const bump = (map: Map<string, { up: number; down: number }>, id: string) => {
      const c = map.get(id) ?? { up: 0, down: 0 };
      if (accepted) c.up++;
      else c.down++;
      map.set(id, c);
    };
    for (const id of trace.people ?? []) bump(this.#people, id);
    for (const id of trace.contexts ?? []) bump(this.#contexts, id);
  }

  intentFor(text: string): string | undefined {
    return this.#corrections.get(utteranceKey(text))?.intent;
  }

  slotsFor(text: string): SlotCorrection | undefined {
    const slots = this.#corrections.get(utteranceKey(text))?.slots;
    return slots && Object.keys(slots).length > 0 ? slots : undefined;
  }

  /** The full name the user told us a word means, if they did. */
  personFor(word: string): string | undefined {
    return this.#aliases.get(word.toLowerCase());
  }

  /** Laplace-smoothed share of accepted plans this person was part of: 0.5 with no history. */
  importance(personId: string): number {
    const c = this.#people.get(personId) ?? { up: 0, down: 0 };
    return (1 + c.up) / (2 + c.up + c.down);
  }

  /** The same for a context note: how far the user's feedback supports applying it. */
  confidence(contextId: string): number {
    const c = this.#contexts.get(contextId) ?? { up: 0, down: 0 };
    return (1 + c.up) / (2 + c.up + c.down);
  }
}
