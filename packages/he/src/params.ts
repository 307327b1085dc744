import type { Context } from 'node-seal/implementation/context.js';
import type { SEALLibrary } from './seal.ts';

/**
 * The one CKKS parameter set of the homomorphic intent path (decision 0021):
 *
 * - ring dimension N = 8192, so 4096 complex slots: one ciphertext holds a whole feature vector
 *   of the 12-bit hashed feature space;
 * - coefficient modulus of primes of 60, 40 and 60 bits (160 bits; the last prime is SEAL's
 *   special prime, used only for key switching). The HomomorphicEncryption.org standard's table
 *   allows at most 218 bits at N = 8192 for 128-bit classical security with a ternary secret,
 *   and SEAL refuses to build the context (`SecurityLevel.tc128`) past that;
 * - scale 2^40: one plaintext multiplication and its rescale by the 40-bit prime, which leaves
 *   the 60-bit prime with 20 bits above the scale for the scores (|z| < 2^19 is plenty).
 */
export const POLY_MODULUS_DEGREE = 8192;
export const COEFF_MODULUS_BITS = [60, 40, 60] as const;
export const SCALE = 2 ** 40;
export const SLOTS = POLY_MODULUS_DEGREE / 2;

export function createContext(seal: SEALLibrary): Context {
  const parms = seal.EncryptionParameters(seal.SchemeType.ckks);
  parms.setPolyModulusDegree(POLY_MODULUS_DEGREE);
  parms.setCoeffModulus(seal.CoeffModulus.Create(POLY_MODULUS_DEGREE, Int32Array.from(COEFF_MODULUS_BITS)));
  const context = seal.Context(parms, true, seal.SecurityLevel.tc128);
  if (!context.parametersSet())
    throw new Error('SEAL refused the CKKS parameters (N = 8192, 60+40+60 bits, 128-bit security)');
  return context;
}
