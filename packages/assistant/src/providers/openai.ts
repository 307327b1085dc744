import { AuraError } from '@aura/errors';
import { postOpenAi } from './openai-request.ts';
import type { PlanningProvider, ProposedStep } from './types.ts';

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
export function openAiProvider(options: OpenAiOptions): PlanningProvider {
  const timeoutMs = options.timeoutMs ?? 10_000;
  const retries = options.retries ?? 2;
  /** One chat-completions call asking for JSON matching `schema`; retries network errors and 5xx. */
  async function complete(
    messages: { role: string; content: string }[],
    name: string,
    schema: unknown,
  ): Promise<unknown> {
    const body = {
      model: options.model,
      temperature: 0,
      messages,
      response_format: { type: 'json_schema', json_schema: { name, strict: true, schema } },
    };
    const json = (await postOpenAi(
      { baseUrl: options.baseUrl, apiKey: options.apiKey, timeoutMs, retries },
      '/chat/completions',
      body,
      unavailable,
    )) as { choices?: { message?: { content?: string } }[] } | undefined;
    try {
      return JSON.parse(json?.choices?.[0]?.message?.content ?? '');
    } catch {
      throw unavailable('the model did not answer with JSON');
    }
  }

  return {
    name: `openai:${options.model}`,
    async classify(text, intents) {
      const parsed = (await complete(
        [
          {
            role: 'system',
            content:
              'You classify a personal-assistant request into exactly one intent from the given list. ' +
              'Answer only with JSON {"intent": <one of the list>, "confidence": <0..1>}.',
          },
          { role: 'user', content: `Intents: ${intents.join(', ')}\nRequest: ${text}` },
        ],
        'intent',
        {
          type: 'object',
          additionalProperties: false,
          required: ['intent', 'confidence'],
          properties: {
            intent: { type: 'string', enum: intents },
            confidence: { type: 'number', minimum: 0, maximum: 1 },
          },
        },
      )) as { intent?: unknown; confidence?: unknown } | null;
      if (typeof parsed?.intent !== 'string' || !intents.includes(parsed.intent)) {
        throw unavailable(`the model answered an intent that is not in the list (${String(parsed?.intent)})`);
      }
      const confidence =
        typeof parsed.confidence === 'number' && parsed.confidence >= 0 && parsed.confidence <= 1
          ? parsed.confidence
          : 0.5;
      return { intent: parsed.intent, confidence };
    },
    async plan(text, context) {
      const parsed = (await complete(
        [
          {
            role: 'system',
            content:
              'You plan the steps that carry out a personal-assistant request, using only the listed actions and their parameters. ' +
              'Answer only with JSON {"steps": [{"id", "action", "params", "dependsOn", "why"}]}.',
          },
          {
            role: 'user',
            content:
              `Request: ${text}\nIntent: ${context.intent}\nPeople: ${context.people.join(', ')}\nWhen: ${context.when ?? 'unknown'}\nActions: ${JSON.stringify(context.actions)}` +
              (context.notes?.length
                ? `\nFrom the user's notes, most relevant first:\n${context.notes.map((n) => `- ${n}`).join('\n')}`
                : ''),
          },
        ],
        'plan',
        {
          type: 'object',
          required: ['steps'],
          properties: {
            steps: {
              type: 'array',
              items: {
                type: 'object',
                required: ['id', 'action', 'params', 'dependsOn'],
                properties: {
                  id: { type: 'string' },
                  action: { type: 'string', enum: context.actions.map((a) => a.name) },
                  params: { type: 'object' },
                  dependsOn: { type: 'array', items: { type: 'string' } },
                  why: { type: 'string' },
                },
              },
            },
          },
        },
      )) as { steps?: ProposedStep[] } | null;
      if (!Array.isArray(parsed?.steps)) throw unavailable('the model did not answer with a list of steps');
      return parsed.steps;
    },
  };
}
