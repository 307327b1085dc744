/**
 * The server's half of homomorphic intent analysis: evaluation with a device's public Galois
 * keys. Nothing here can make, hold or use a secret key (scripts/graph/rules.ts gives the
 * server this entry only, with ../model.ts).
 */

export type { GaloisKeys } from 'node-seal/implementation/galois-keys.js';
export { checkSealObject, galoisKeyBytes, keySetId, QUERY_CIPHERTEXT_BYTES, RESULT_CIPHERTEXT_BYTES } from '../wire.ts';
export { LinearEvaluator, type LinearMap } from './evaluator.ts';
