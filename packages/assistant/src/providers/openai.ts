import { AuraError } from '@aura/errors';
import type { IntentProvider } from './types.ts';

export interface OpenAiOptions {
  /** e.g. http://127.0.0.1:11434/v1 (Ollama), http://127.0.0.1:8080/v1 (llama.cpp server). */
  baseUrl: string;
  model: string;
  apiKey?: string;
  timeoutMs?: number;
  retries?: number;
}

const unavailable = (why: string, cause?: unknown) =>
  new AuraError('AURA_PROVIDER_UNAVAILABLE', `the language model could not be used: ${why}`, { cause });

/**
 * Any OpenAI-compatible chat-completions endpoint, asked for JSON that matches a schema (the
 * intent is an enum of the known intents). Retries network errors and 5xx answers; anything
 * malformed is an AURA_PROVIDER_UNAVAILABLE, which the decision engine answers with the
 * builtin model.
 */
export function openAiProvider(options: OpenAiOptions): IntentProvider {
  const timeoutMs = options.timeoutMs ?? 10_000;
  const retries = options.retries ?? 2;
  return {
    name: `openai:${options.model}`,
    async classify(text, intents) {
      const body = {
        model: options.model,
        temperature: 0,
        messages: [
          {
            role: 'system',
            content:
              'You classify a personal-assistant request into exactly one intent from the given list. ' +
              'Answer only with JSON {"intent": <one of the list>, "confidence": <0..1>}.',
          },
          { role: 'user', content: `Intents: ${intents.join(', ')}\nRequest: ${text}` },
        ],
        response_format: {
          type: 'json_schema',
          json_schema: {
            name: 'intent',
            strict: true,
            schema: {
              type: 'object',
              additionalProperties: false,
              required: ['intent', 'confidence'],
              properties: {
                intent: { type: 'string', enum: intents },
                confidence: { type: 'number', minimum: 0, maximum: 1 },
              },
            },
          },
        },
      };
      let lastError: unknown;
      for (let attempt = 0; attempt <= retries; attempt++) {
        let response: Response;
        try {
          response = await fetch(`${options.baseUrl.replace(/\/+$/, '')}/chat/completions`, {
            method: 'POST',
            headers: {
              'content-type': 'application/json',
              ...(options.apiKey ? { authorization: `Bearer ${options.apiKey}` } : {}),
            },
            body: JSON.stringify(body),
            signal: AbortSignal.timeout(timeoutMs),
          });
        } catch (error) {
          lastError = error;
          continue;
        }
        if (response.status >= 500) {
          lastError = new Error(`HTTP ${response.status}`);
          continue;
        }
        if (!response.ok) throw unavailable(`the endpoint answered HTTP ${response.status}`);
        const json = (await response.json().catch(() => undefined)) as
          | { choices?: { message?: { content?: string } }[] }
          | undefined;
        const content = json?.choices?.[0]?.message?.content;
        let parsed: { intent?: unknown; confidence?: unknown };
        try {
          parsed = JSON.parse(content ?? '');
        } catch {
          throw unavailable('the model did not answer with JSON');
        }
        if (typeof parsed.intent !== 'string' || !intents.includes(parsed.intent)) {
          throw unavailable(`the model answered an intent that is not in the list (${String(parsed.intent)})`);
        }
        const confidence =
          typeof parsed.confidence === 'number' && parsed.confidence >= 0 && parsed.confidence <= 1
            ? parsed.confidence
            : 0.5;
        return { intent: parsed.intent, confidence };
      }
      throw unavailable(
        `no answer from ${options.baseUrl} after ${retries + 1} tries (${(lastError as Error)?.message ?? 'unknown'})`,
        lastError,
      );
    },
  };
}
