import * as z from 'zod';
import { Base64Text, base64Bytes } from './bytes.ts';

/**
 * Homomorphic intent analysis (decision 0021): a device uploads its public CKKS Galois keys
 * once, then sends feature vectors encrypted under its secret key; the server evaluates the
 * intent model on the ciphertext and answers a ciphertext only the device can open. These bounds
 * are coarse (AURA_INVALID_INPUT); the exact lengths, SEAL's header and the parameters are
 * checked by the server's evaluator (AURA_HE_INVALID_CIPHERTEXT, AURA_HE_INVALID_KEYS).
 */
export const HE_MAX_KEY_BYTES = 3 * 1024 * 1024;
export const HE_MAX_CIPHERTEXT_BYTES = 256 * 1024;

/** SHA-256 of the uploaded Galois keys, hex: the key set a query was encrypted for. */
export const HeKeySetId = z.string().regex(/^[0-9a-f]{64}$/, 'must be 64 lowercase hex digits');
/** The first 16 hex digits of SHA-256 of the model file the client extracted features for. */
export const HeModelId = z.string().regex(/^[0-9a-f]{16}$/, 'must be 16 lowercase hex digits');

export const HeKeysUpload = z.strictObject({ galoisKeys: base64Bytes({ min: 1, max: HE_MAX_KEY_BYTES }) });
export type HeKeysUpload = z.infer<typeof HeKeysUpload>;

export const HeKeysUploaded = z.strictObject({ keySetId: HeKeySetId, modelId: HeModelId });
export type HeKeysUploaded = z.infer<typeof HeKeysUploaded>;

export const HeInferenceRequest = z.strictObject({
  keySetId: HeKeySetId,
  modelId: HeModelId,
  ciphertext: base64Bytes({ min: 1, max: HE_MAX_CIPHERTEXT_BYTES }),
});
export type HeInferenceRequest = z.infer<typeof HeInferenceRequest>;

export const HeInferenceResult = z.strictObject({ modelId: HeModelId, ciphertext: Base64Text });
export type HeInferenceResult = z.infer<typeof HeInferenceResult>;
