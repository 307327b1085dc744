import type { AuraClient } from '@aura/client';
import { AuraError, isAuraError } from '@aura/errors';
import { type HeEngine, layoutFor } from '@aura/he/client';
import { modelId } from '@aura/he/model';
import { fromBase64, HeInferenceResult, HeKeysUploaded, toBase64 } from '@aura/protocol';
import { denseFeatures, heIntentModel, heModelBytes, predictFromScores } from '../nlu/he-model.ts';
import type { IntentProvider } from './types.ts';

/** A device's HE secret key and the name of the Galois keys it uploaded, for one server. */
export interface StoredHeKeys {
  server: string;
  keySetId: string;
  /** SEAL's serialisation of the CKKS secret key, base64: a secret of this device. */
  secretKey: string;
}

/** Where a device keeps its HE key (the CLI: a file beside its state, mode 0600; a browser: its storage). */
export interface HeKeyStore {
  load(): Promise<StoredHeKeys | undefined>;
  save(keys: StoredHeKeys): Promise<void>;
}

/** What one request cost, for `bench:he` and anyone curious. */
export interface HeTimings {
  encryptMs: number;
  roundTripMs: number;
  decryptMs: number;
  uploadedBytes: number;
  downloadedBytes: number;
}

export const HE_PROVIDER_NAME = 'The encrypted intent model (evaluated by the server on ciphertext)';

/**
 * Intent by homomorphic encryption: this device hashes the request into the HE model's features,
 * encrypts them under its own CKKS secret key and sends only the ciphertext; the server scores it
 * without reading it, and this device decrypts the scores and takes the arg-max. The Galois keys
 * are made and uploaded once per device (and again if the server has lost them). The CKKS work
 * runs in `engine`: @aura/he/client's `localEngine()` in the CLI, a worker of its own in the
 * dashboard (so a bundle of this package carries node-seal only where an engine is made).
 */
export function heProvider(
  api: Pick<AuraClient['api'], 'put' | 'post' | 'baseUrl'>,
  store: HeKeyStore,
  engine: HeEngine,
  onTimings?: (t: HeTimings) => void,
): IntentProvider {
  let session: { keys: StoredHeKeys; secretKey: Uint8Array } | undefined;
  let id: string | undefined;
  const model = () => heIntentModel();
  const rows = () => model().intents.length * model().members.length;

  async function freshKeys(): Promise<StoredHeKeys> {
    const keys = await engine.generateDeviceKeys(layoutFor(rows()).steps);
    const uploaded = await api.put('/api/v1/ai/inference/he/keys', HeKeysUploaded, {
      galoisKeys: toBase64(keys.galoisKeys),
    });
    if (uploaded.keySetId !== keys.keySetId)
      throw new AuraError('AURA_SERVER_MISBEHAVED', 'the server named the uploaded key set wrongly');
    const stored = { server: api.baseUrl, keySetId: keys.keySetId, secretKey: toBase64(keys.secretKey) };
    await store.save(stored);
    return stored;
  }

  async function open(renew: boolean) {
    if (!renew && session) return session;
    const saved = renew ? undefined : await store.load();
    const keys = saved?.server === api.baseUrl ? saved : await freshKeys();
    session = { keys, secretKey: new Uint8Array(fromBase64(keys.secretKey)) };
    return session;
  }

  async function scores(text: string, renew: boolean) {
    const { keys, secretKey } = await open(renew);
    id ??= await modelId(heModelBytes());
    let t = performance.now();
    const query = await engine.encrypt(keys.keySetId, secretKey, denseFeatures(model(), text));
    const encryptMs = performance.now() - t;
    t = performance.now();
    const body = { keySetId: keys.keySetId, modelId: id, ciphertext: toBase64(query) };
    const answer = await api.post('/api/v1/ai/inference/he', HeInferenceResult, body);
    const roundTripMs = performance.now() - t;
    if (answer.modelId !== id) throw new AuraError('AURA_HE_MODEL_MISMATCH', 'the server answered for another model');
    t = performance.now();
    const result = new Uint8Array(fromBase64(answer.ciphertext));
    const prediction = predictFromScores(model(), await engine.decrypt(keys.keySetId, secretKey, result, rows()));
    onTimings?.({
      encryptMs,
      roundTripMs,
      decryptMs: performance.now() - t,
      uploadedBytes: JSON.stringify(body).length,
      downloadedBytes: answer.ciphertext.length,
    });
    return prediction;
  }

  return {
    name: HE_PROVIDER_NAME,
    readsSpeltOut: true,
    async classify(text) {
      let prediction: Awaited<ReturnType<typeof scores>>;
      try {
        prediction = await scores(text, false);
      } catch (error) {
        // The server lost this device's keys (a new database), or holds another set: upload anew, once.
        if (!isAuraError(error, 'AURA_HE_KEYS_REQUIRED') && !isAuraError(error, 'AURA_HE_FOREIGN_KEY')) throw error;
        prediction = await scores(text, true);
      }
      return { intent: prediction.intent, confidence: prediction.confidence, ranked: prediction.ranked };
    },
  };
}
