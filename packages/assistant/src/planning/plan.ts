import type { PlannedStep } from '@aura/client';
import type { Preferences } from '../preferences.ts';
import type { Slots } from '../slots.ts';

/** A person from the user's relationships (decrypted on the client). */
export interface Person {
  id: string;
  name: string;
  email?: string;
  relationship?: string;
}

/** A step of a plan: the same shape the client encrypts and submits as a task step. */
export type PlanStep = PlannedStep;

/** A step before validation has decided whether it needs approval. */
export type DraftStep = Omit<PlanStep, 'requiresApproval'>;

/** What a planner knows of the request once its intent, slots and people are read. */
export interface PlanContext {
  text: string;
  slots: Slots;
  people: Person[];
  prefs: Preferences;
  now: Date;
  /** Questions already asked (about who is meant): a planner does not ask a second one. */
  openQuestions: readonly string[];
}

/** A planner's answer: the steps it would take, what it must ask first, and why. */
export interface Plan {
  steps: DraftStep[];
  questions: string[];
  reasoning: string[];
}

export type Planner = (ctx: PlanContext) => Plan;

/** A plan of just these steps, or just this question. */
export const steps = (...s: DraftStep[]): Plan => ({ steps: s, questions: [], reasoning: [] });
export const question = (q: string): Plan => ({ steps: [], questions: [q], reasoning: [] });
