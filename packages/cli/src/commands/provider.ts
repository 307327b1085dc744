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
