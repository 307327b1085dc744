import { createServer, type Server } from 'node:http';

/**
 * A local server that speaks the OpenAI embeddings protocol (POST /v1/embeddings) and answers
 * each text with the vector `vectorOf` gives it: no embedding model can be downloaded here, so
 * the vectors are fixed, and the provider's protocol handling is real.
 */
export interface EmbeddingsServer {
  /** The base URL to configure, ending in /v1. */
  url: string;
  /** Every request body received, in order. */
  requests: { model: string; input: string[] }[];
  /** Answers the next requests with this status instead (a 5xx is retried by the provider). */
  failNext: number[];
  /** Answers the next requests 200 with these texts as the body instead (malformed answers). */
  rawNext: string[];
  /**
   * Holds the requests `match` picks (a model busy with a batch) until the function it returns is
   * called, and only then chooses their answers: a test sees what happens meanwhile, and may script
   * a failure for them, without timing anything.
   */
  holdWhile(match: (input: string[]) => boolean): () => void;
  close(): Promise<void>;
}

/**
 * `cors`: answers a browser's cross-origin requests from these origins as an endpoint set up for
 * the dashboard would (Ollama's OLLAMA_ORIGINS): the preflight OPTIONS and the header on answers.
 */
export async function startEmbeddingsServer(
  vectorOf: (text: string) => Float32Array,
  options: { cors?: readonly string[] } = {},
): Promise<EmbeddingsServer> {
  let hold: { match: (input: string[]) => boolean; released: Promise<void> } | undefined;
  const state: EmbeddingsServer = {
    url: '',
    requests: [],
    failNext: [],
    rawNext: [],
    holdWhile(match) {
      let release = () => {};
      const released = new Promise<void>((resolve) => {
        release = resolve;
      });
      const held = { match, released };
      hold = held;
      return () => {
        if (hold === held) hold = undefined;
        release();
      };
    },
    close: async () => {},
  };
  const server: Server = createServer(async (req, res) => {
    const origin = req.headers.origin;
    if (origin && options.cors?.includes(origin)) {
      res.setHeader('access-control-allow-origin', origin);
      res.setHeader('vary', 'origin');
    }
    if (req.method === 'OPTIONS') {
      if (origin && options.cors?.includes(origin)) {
        res.setHeader('access-control-allow-methods', 'POST');
        res.setHeader('access-control-allow-headers', 'content-type, authorization');
        res.setHeader('access-control-max-age', '600');
      }
      res.writeHead(204).end();
      return;
    }
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const body = JSON.parse(Buffer.concat(chunks).toString() || '{}') as { model: string; input: string | string[] };
    const input = typeof body.input === 'string' ? [body.input] : body.input;
    state.requests.push({ model: body.model, input });
    // Held before its answer is chosen: a failure scripted meanwhile is what it gets.
    if (hold?.match(input)) await hold.released;
    const fail = state.failNext.shift();
    res.setHeader('content-type', 'application/json');
    if (fail === undefined && state.rawNext.length > 0) {
      res.end(state.rawNext.shift());
      return;
    }
    if (fail !== undefined || req.url !== '/v1/embeddings') {
      res.writeHead(fail ?? 404).end(JSON.stringify({ error: { message: 'scripted failure' } }));
      return;
    }
    res.end(
      JSON.stringify({
        object: 'list',
        model: body.model,
        data: input.map((text, index) => ({ object: 'embedding', index, embedding: Array.from(vectorOf(text)) })),
        usage: { prompt_tokens: 0, total_tokens: 0 },
      }),
    );
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  state.url = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}/v1`;
  state.close = () => new Promise<void>((resolve) => server.close(() => resolve()));
  return state;
}
