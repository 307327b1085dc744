import { AuraError } from '@aura/errors';
import { keySetId as keySetIdOf } from '@aura/he/server';
import { HE_MAX_KEY_BYTES, HeInferenceRequest, HeInferenceResult, HeKeysUpload, HeKeysUploaded } from '@aura/protocol';
import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { Histogram } from 'prom-client';
import { fromBase64, toBase64 } from '../../base64.ts';
import { rateLimitClass } from '../../http/gateway.ts';
import { authOf } from '../auth/authenticate.ts';
import { heModel } from './he-model.ts';
import { KeySets } from './key-sets.ts';

const tags = ['inference'];
const MODEL = 'intent-he';

const deviceOf = (request: Parameters<typeof authOf>[0]) => {
  const { userId, deviceId } = authOf(request);
  if (!deviceId)
    throw new AuraError('AURA_DEVICE_REQUIRED', 'homomorphic inference is per device; this session has none');
  return { userId, deviceId };
};

/**
 * Homomorphic intent analysis (decision 0021): the server evaluates the HE intent model on a
 * feature vector it cannot read, with the public Galois keys the device uploaded once.
 */
export async function inferenceRoutes(fastify: FastifyInstance) {
  const app = fastify.withTypeProvider<ZodTypeProvider>();
  const keySets = new KeySets(app.pool);
  app.addHook('onClose', async () => keySets.close());
  const duration = new Histogram({
    name: 'aura_ai_inference_duration_seconds',
    help: 'AI inference duration',
    labelNames: ['model', 'operation'],
    buckets: [0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
    registers: [app.metricsRegistry],
  });
  const limit = rateLimitClass(app.config, 'ai_inference');

  app.put(
    '/api/v1/ai/inference/he/keys',
    {
      preValidation: app.requireAuth,
      config: limit,
      bodyLimit: Math.ceil(HE_MAX_KEY_BYTES / 3) * 4 + 1024,
      schema: {
        tags,
        summary: "Upload this device's homomorphic-inference keys",
        description:
          "Stores the device's public CKKS Galois keys (SEAL, uncompressed, exactly the rotation steps the model's layout needs), replacing any earlier set of this device. They let the server rotate this device's ciphertexts; they cannot decrypt anything. Answers the key set's id (SHA-256 of the bytes), which each query names, and the model's id. Needs a device session (AURA_DEVICE_REQUIRED); keys of the wrong length, parameters or steps are AURA_HE_INVALID_KEYS. Rate-limited as AI inference.",
        body: HeKeysUpload,
        response: { 200: HeKeysUploaded },
        'x-aura-errors': ['AURA_DEVICE_REQUIRED', 'AURA_HE_INVALID_KEYS'],
      },
    },
    async (request) => {
      const { userId, deviceId } = deviceOf(request);
      const stop = duration.startTimer({ model: MODEL, operation: 'upload_keys' });
      const model = await heModel();
      const galoisKeys = new Uint8Array(fromBase64(request.body.galoisKeys));
      const keySetId = await keySetIdOf(galoisKeys);
      await keySets.upload(model, userId, deviceId, galoisKeys, keySetId);
      stop();
      return { keySetId, modelId: model.id };
    },
  );

  app.post(
    '/api/v1/ai/inference/he',
    {
      preValidation: app.requireAuth,
      config: limit,
      schema: {
        tags,
        summary: 'Score an encrypted feature vector with the intent model',
        description:
          'Evaluates the HE intent model\'s linear scorers on a CKKS ciphertext of the request\'s hashed features, encrypted under this device\'s secret key, and answers the encrypted scores: the server never sees the request, its features or its intent. The query names its key set (AURA_HE_KEYS_REQUIRED before any upload, AURA_HE_FOREIGN_KEY for a set this device did not upload) and the model it extracted features for (AURA_HE_MODEL_MISMATCH). A ciphertext of the wrong length, header, level or scale is AURA_HE_INVALID_CIPHERTEXT. Rate-limited as AI inference; timed as aura_ai_inference_duration_seconds{model="intent-he",operation="evaluate"}.',
        body: HeInferenceRequest,
        response: { 200: HeInferenceResult },
        'x-aura-errors': [
          'AURA_DEVICE_REQUIRED',
          'AURA_HE_KEYS_REQUIRED',
          'AURA_HE_FOREIGN_KEY',
          'AURA_HE_MODEL_MISMATCH',
          'AURA_HE_INVALID_CIPHERTEXT',
        ],
      },
    },
    async (request) => {
      const { deviceId } = deviceOf(request);
      const model = await heModel();
      if (request.body.modelId !== model.id)
        throw new AuraError(
          'AURA_HE_MODEL_MISMATCH',
          `this server evaluates HE intent model ${model.id}, not ${request.body.modelId}`,
        );
      const query = new Uint8Array(fromBase64(request.body.ciphertext));
      const result = await keySets.use(model, deviceId, request.body.keySetId, async (keys) => {
        const stop = duration.startTimer({ model: MODEL, operation: 'evaluate' });
        try {
          return await model.evaluator.evaluate(keys, query);
        } finally {
          stop();
        }
      });
      return { modelId: model.id, ciphertext: toBase64(result) };
    },
  );
}
