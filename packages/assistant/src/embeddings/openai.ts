import { checkEmbedding, type EmbeddingProvider } from '@aura/client';
import { AuraError } from '@aura/errors';
import type { OpenAiOptions } from '../providers/openai.ts';
import { postOpenAi } from '../providers/openai-request.ts';

/** The LLM endpoint's options (a llama.cpp server embeds when started with --embeddings), and a batch size. */
export interface OpenAiEmbeddingOptions extends OpenAiOptions {
  /** Texts per request (a long note list is sent in batches). */
  batch?: number;
}

const unavailable = (why: string, cause?: unknown) =>
  new AuraError('AURA_PROVIDER_UNAVAILABLE', `the embeddings endpoint could not be used: ${why}`, { cause });

/**
 * Any OpenAI-compatible /v1/embeddings endpoint. Retries network errors and 5xx answers; an answer
 * that is not one finite vector per text, all of one length, is AURA_PROVIDER_UNAVAILABLE (the
 * caller then finds by words only). The model id stored with each vector is "openai:<model>".
 */
export function openAiEmbeddings(options: OpenAiEmbeddingOptions): EmbeddingProvider {
  const timeoutMs = options.timeoutMs ?? 30_000;
  const retries = options.retries ?? 2;
  const batch = options.batch ?? 64;
  const model = `openai:${options.model}`;

  async function request(input: readonly string[]): Promise<Float32Array[]> {
    const json = (await postOpenAi(
      { baseUrl: options.baseUrl, apiKey: options.apiKey, timeoutMs, retries },
      '/embeddings',
      { model: options.model, input, encoding_format: 'float' },
      unavailable,
    )) as { data?: { embedding?: unknown; index?: unknown }[] } | undefined;
    return vectorsOf(json?.data, input.length);
  }

  function vectorsOf(data: { embedding?: unknown; index?: unknown }[] | undefined, count: number): Float32Array[] {
    if (!Array.isArray(data) || data.length !== count) throw unavailable(`not ${count} vectors in the answer`);
    const out: Float32Array[] = new Array(count);
    for (const [position, item] of data.entries()) {
      const index = item?.index ?? position;
      const embedding = item?.embedding;
      if (typeof index !== 'number' || !Number.isInteger(index) || index < 0 || index >= count || out[index]) {
        throw unavailable('the answer numbers its vectors wrongly');
      }
      if (!Array.isArray(embedding) || !embedding.every((x) => typeof x === 'number')) {
        throw unavailable('a vector in the answer is not a list of numbers');
      }
      const vector = Float32Array.from(embedding);
      try {
        checkEmbedding({ model, vector });
      } catch (error) {
        throw unavailable('a vector in the answer is empty, too long or not finite', error);
      }
      out[index] = vector;
    }
    const first = out[0]?.length;
    if (out.some((v) => v.length !== first)) throw unavailable('the vectors in the answer differ in length');
    return out;
  }

  return {
    model,
    async embed(texts) {
      const out: Float32Array[] = [];
      for (let i = 0; i < texts.length; i += batch) out.push(...(await request(texts.slice(i, i + batch))));
      return out;
    },
  };
}
