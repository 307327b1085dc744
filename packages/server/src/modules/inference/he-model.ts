import { readFile } from 'node:fs/promises';
import { deserializeHeModel, HE_MODEL_URL, modelId, scoreRows } from '@aura/he/model';
import { LinearEvaluator } from '@aura/he/server';

/** The HE intent model's scorers, ready to evaluate, and the id clients name it by. */
export interface HeModel {
  id: string;
  evaluator: LinearEvaluator;
}

let loading: Promise<HeModel> | undefined;

/**
 * Made on the first homomorphic request, not at start (the diagonals take about 120 ms and 17 MB
 * of WebAssembly memory; most servers never see such a request), then kept for the process.
 */
export function heModel(): Promise<HeModel> {
  loading ??= (async () => {
    const bytes = new Uint8Array(await readFile(HE_MODEL_URL));
    const evaluator = await LinearEvaluator.create(scoreRows(deserializeHeModel(bytes)));
    return { id: await modelId(bytes), evaluator };
  })();
  loading.catch(() => {
    loading = undefined;
  });
  return loading;
}
