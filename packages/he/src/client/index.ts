/**
 * The device's half of homomorphic intent analysis: its CKKS secret key, encryption of a
 * feature vector and decryption of the scores. Never imported by the server.
 */

export { type Layout, layoutFor } from '../layout.ts';
export { SLOTS } from '../params.ts';
export { QUERY_CIPHERTEXT_BYTES, RESULT_CIPHERTEXT_BYTES } from '../wire.ts';
export { type HeEngine, localEngine } from './engine.ts';
export { type DeviceKeys, generateDeviceKeys } from './keys.ts';
export { HeSession } from './session.ts';
