import { SLOTS } from './params.ts';

/**
 * How a linear map of `outputs` rows by SLOTS columns is laid out for the hybrid diagonal
 * method (Halevi and Shoup; Juvekar et al., GAZELLE, for the rectangular case):
 *
 *   y = sum over i < outputs of diag_i ⊙ rot(x, i),  diag_i[j] = M[j mod outputs][(j + i) mod SLOTS]
 *
 * then a fold, z[r] = sum over t of y[r + t * outputs], by log2(SLOTS / outputs) rotations. The
 * i = g * baby + b terms are grouped baby-step/giant-step: rot(x, b) for b < baby, each inner
 * sum rescaled once, and the giant steps added by Horner's rule, so every baby step is a
 * rotation by 1 and every giant step a rotation by `baby`. The Galois keys this needs are those
 * two steps and the fold's, `steps` below: 7 keys instead of the 27 that one key per rotation
 * would take (2.8 MB uploaded instead of 10).
 */
export interface Layout {
  /** Rows of the matrix, a power of two that divides SLOTS: members x intents, padded. */
  outputs: number;
  baby: number;
  giant: number;
  /** The rotation steps that need a Galois key. */
  steps: number[];
}

export function layoutFor(rows: number): Layout {
  if (!Number.isInteger(rows) || rows < 1 || rows > SLOTS) throw new RangeError(`rows must be 1..${SLOTS}`);
  let outputs = 1;
  while (outputs < rows) outputs *= 2;
  const baby = 2 ** Math.ceil(Math.log2(outputs) / 2);
  const giant = outputs / baby;
  const steps = new Set<number>();
  if (baby > 1) steps.add(1);
  if (giant > 1) steps.add(baby);
  for (let s = outputs; s < SLOTS; s *= 2) steps.add(s);
  return { outputs, baby, giant, steps: [...steps].sort((a, b) => a - b) };
}
