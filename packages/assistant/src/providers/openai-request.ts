import type { AuraError } from '@aura/errors';

export interface OpenAiEndpoint {
  /** e.g. http://127.0.0.1:11434/v1 (Ollama), http://127.0.0.1:8080/v1 (llama.cpp server). */
  baseUrl: string;
  apiKey?: string;
  timeoutMs: number;
  retries: number;
}

/**
 * POSTs `body` to `path` under an OpenAI-compatible endpoint and answers its JSON (undefined when
 * the body is not JSON). Network errors and 5xx answers are tried again, `retries` times; another
 * error status, or no answer after the last try, is `unavailable(why)`.
 */
export async function postOpenAi(
  endpoint: OpenAiEndpoint,
  path: string,
  body: unknown,
  unavailable: (why: string, cause?: unknown) => AuraError,
): Promise<unknown> {
  const { baseUrl, apiKey, timeoutMs, retries } = endpoint;
  let lastError: unknown;
  for (let attempt = 0; attempt <= retries; attempt++) {
    let response: Response;
    try {
      response = await fetch(`${baseUrl.replace(/\/+$/, '')}${path}`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...(apiKey ? { authorization: `Bearer ${apiKey}` } : {}) },
        body: JSON.stringify(body),
        signal: AbortSignal.timeout(timeoutMs),
      });
    } catch (error) {
      lastError = error;
      continue;
    }
    if (response.status >= 500) {
      lastError = new ServerError(`HTTP ${response.status}`);
      continue;
    }
    if (!response.ok) throw unavailable(`the endpoint answered HTTP ${response.status}`);
    return response.json().catch(() => undefined);
  }
  // An endpoint that answered 5xx did answer: say so, not that it was silent.
  const failed = lastError instanceof ServerError;
  throw unavailable(
    `${failed ? `${baseUrl} kept failing` : `no answer from ${baseUrl}`} after ${retries + 1} tries (${(lastError as Error)?.message ?? 'unknown'})`,
    lastError,
  );
}

/** A 5xx answer: the endpoint is up but failing. */
class ServerError extends Error {}
