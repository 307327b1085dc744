import { AuraError } from '@aura/errors';
import type { IntentProvider } from './types.ts';

/**
 * A local GGUF model through node-llama-cpp, with output constrained by a JSON-schema grammar.
 * node-llama-cpp is optional (it is large and builds native code): install it next to Aura to
 * use this provider. Without it, or without the model file, classify() says so clearly and the
 * decision engine answers with the builtin model.
 */
export function llamaCppProvider(options: { modelPath: string }): IntentProvider {
  let session: Promise<{ ask(text: string, intents: string[]): Promise<unknown> }> | undefined;
  const open = async () => {
    // Imported here, not at the top: the browser's build takes this module without Node's fs.
    const { existsSync } = await import('node:fs');
    if (!existsSync(options.modelPath)) {
      throw new AuraError(
        'AURA_PROVIDER_UNAVAILABLE',
        `the model file ${options.modelPath} does not exist; point AURA_LLAMA_MODEL at a .gguf file`,
      );
    }
    const specifier = 'node-llama-cpp';
    let lib: {
      getLlama(): Promise<{
        loadModel(o: { modelPath: string }): Promise<{ createContext(): Promise<{ getSequence(): unknown }> }>;
        createGrammarForJsonSchema(schema: unknown): Promise<{ parse(text: string): unknown }>;
      }>;
      LlamaChatSession: new (o: {
        contextSequence: unknown;
      }) => { prompt(text: string, o: { grammar: unknown }): Promise<string> };
    };
    try {
      lib = await import(specifier);
    } catch (cause) {
      throw new AuraError(
        'AURA_PROVIDER_UNAVAILABLE',
        'node-llama-cpp is not installed: run "npm install node-llama-cpp" to use a local GGUF model',
        { cause },
      );
    }
    const llama = await lib.getLlama();
    const model = await llama.loadModel({ modelPath: options.modelPath });
    const context = await model.createContext();
    const chat = new lib.LlamaChatSession({ contextSequence: context.getSequence() });
    return {
      async ask(text: string, intents: string[]) {
        const grammar = await llama.createGrammarForJsonSchema({
          type: 'object',
          properties: { intent: { enum: intents }, confidence: { type: 'number' } },
          required: ['intent', 'confidence'],
        });
        const answer = await chat.prompt(
          `Classify this personal-assistant request into one intent.\nRequest: ${text}`,
          { grammar },
        );
        return grammar.parse(answer);
      },
    };
  };
  return {
    name: 'llama-cpp',
    async classify(text, intents) {
      session ??= open();
      const parsed = (await session
        .catch((error) => {
          session = undefined;
          throw error;
        })
        .then((s) => s.ask(text, intents))) as { intent?: unknown; confidence?: unknown };
      if (typeof parsed?.intent !== 'string' || !intents.includes(parsed.intent)) {
        throw new AuraError('AURA_PROVIDER_UNAVAILABLE', 'the local model answered an intent that is not in the list');
      }
      return {
        intent: parsed.intent,
        confidence: typeof parsed.confidence === 'number' ? Math.min(1, Math.max(0, parsed.confidence)) : 0.5,
      };
    },
  };
}
