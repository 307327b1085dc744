import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { AuraError } from '@aura/errors';
import fastifyStatic from '@fastify/static';
import type { FastifyInstance } from 'fastify';

/**
 * The dashboard's policy: everything from this origin, nothing from anywhere else, no inline
 * script or style, no eval (WebAssembly compiles for Argon2id and the search index's SIMD
 * kernel: 'wasm-unsafe-eval' allows that and nothing more). connect-src 'self' covers the
 * notifications WebSocket of the same host; `connectOrigins` (AURA_WEB_CONNECT_ORIGINS, checked
 * by config.ts to be bare http(s) origins) are the embeddings endpoints the browser may call
 * directly, so that the texts and vectors never pass through this server.
 */
export function webCsp(connectOrigins: readonly string[] = []): string {
  return [
    "default-src 'none'",
    "script-src 'self' 'wasm-unsafe-eval'",
    "style-src 'self'",
    "img-src 'self' data:",
    ["connect-src 'self'", ...connectOrigins].join(' '),
    "worker-src 'self'",
    "manifest-src 'self'",
    "font-src 'self'",
    "base-uri 'none'",
    "form-action 'none'",
    "frame-ancestors 'none'",
  ].join('; ');
}

export const WEB_CSP = webCsp();

/**
 * The encrypted intent path's worker (packages/web/src/worker/he.worker.ts) alone may also
 * evaluate strings: node-seal's WebAssembly bindings build their call glue with `new Function`.
 * A worker takes its policy from its own script's response, so the page and the keys worker
 * keep theirs; this worker holds only the HE secret key it is handed (decision 0021).
 */
export const heWorkerCsp = (connectOrigins: readonly string[] = []) =>
  webCsp(connectOrigins).replace(
    "script-src 'self' 'wasm-unsafe-eval'",
    "script-src 'self' 'wasm-unsafe-eval' 'unsafe-eval'",
  );
export const HE_WORKER_CSP = heWorkerCsp();
const HE_WORKER = /^\/assets\/he\.worker-[\w-]+\.js$/;

/** Entry files must be fetched fresh (they name the hashed assets); hashed assets never change. */
const FRESH = /(^|\/)(index\.html|sw\.js|manifest\.webmanifest)$/;

/**
 * The web dashboard at `/`: the files of its build, each a route of its own (nothing else under
 * `/` is answered by it). The server serves code; the keys and the reasoning run in the browser.
 */
export async function registerWebApp(
  app: FastifyInstance,
  root: string,
  options: { connectOrigins?: readonly string[] } = {},
): Promise<void> {
  const policy = webCsp(options.connectOrigins);
  const hePolicy = heWorkerCsp(options.connectOrigins);
  if (!existsSync(join(root, 'index.html'))) {
    app.log.warn({ root }, 'the web dashboard is not built; run "npm run build:web" (npm ci does it)');
    app.get('/', { schema: { hide: true } }, async () => {
      throw new AuraError(
        'AURA_NOT_FOUND',
        'the web dashboard is not built on this server; run "npm run build:web" (npm ci and npm start do it)',
      );
    });
    return;
  }
  await app.register(async (scope) => {
    // Encapsulated: the policy and caching apply to these files only, not to the API.
    scope.addHook('onSend', async (request, reply) => {
      const path = request.url.split('?')[0] ?? '';
      reply.header('content-security-policy', HE_WORKER.test(path) ? hePolicy : policy);
      reply.header(
        'cache-control',
        FRESH.test(path) || request.url === '/' ? 'no-cache' : 'public, max-age=31536000, immutable',
      );
    });
    await scope.register(fastifyStatic, {
      root,
      prefix: '/',
      wildcard: false,
      index: ['index.html'],
      // The build writes .br and .gz beside each file; the one the browser accepts is sent.
      preCompressed: true,
      schemaHide: true,
    });
  });
}
