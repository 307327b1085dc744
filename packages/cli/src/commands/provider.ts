import { readConfig } from '../home.ts';

/** An OpenAI-compatible endpoint (Ollama, llama.cpp server, vLLM) or a local llama.cpp model when configured; else offline. */
export function configuredProvider(assistant: typeof import('@aura/assistant')) {
  const saved = readConfig().llm;
  const llmUrl = process.env.AURA_LLM_URL ?? saved?.url;
  return llmUrl
    ? assistant.openAiProvider({
        baseUrl: llmUrl,
        model: process.env.AURA_LLM_MODEL ?? saved?.model ?? 'llama3',
        ...(process.env.AURA_LLM_API_KEY ? { apiKey: process.env.AURA_LLM_API_KEY } : {}),
      })
    : process.env.AURA_LLAMA_MODEL
      ? assistant.llamaCppProvider({ modelPath: process.env.AURA_LLAMA_MODEL })
      : undefined;
}

/**
 * The embedding provider for retrieval by meaning: an OpenAI-compatible /v1/embeddings endpoint
 * (AURA_EMBEDDINGS_URL, else the one `config.json` names), else the builtin lexical one when
 * AURA_EMBEDDINGS=builtin, else none (words only: docs/decisions/0022-memory-by-meaning.md).
 */
export async function configuredEmbeddings() {
  const saved = readConfig().embeddings;
  const url = process.env.AURA_EMBEDDINGS_URL ?? saved?.url;
  if (url) {
    const { openAiEmbeddings } = await import('@aura/assistant');
    return openAiEmbeddings({
      baseUrl: url,
      model: process.env.AURA_EMBEDDINGS_MODEL ?? saved?.model ?? 'nomic-embed-text',
      ...(process.env.AURA_EMBEDDINGS_API_KEY ? { apiKey: process.env.AURA_EMBEDDINGS_API_KEY } : {}),
    });
  }
  if ((process.env.AURA_EMBEDDINGS ?? saved?.provider) === 'builtin') {
    return (await import('@aura/assistant')).builtinEmbeddings();
  }
  return null;
}
