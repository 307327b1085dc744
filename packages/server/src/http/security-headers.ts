import type { IncomingMessage, ServerResponse } from 'node:http';
import type { FastifyInstance } from 'fastify';
import helmet from 'helmet';

/**
 * The headers helmet's defaults set (CSP, HSTS, X-Frame-Options, nosniff and the rest), found by
 * running helmet once on a stand-in response: with no per-request option (no nonce), they are
 * the same for every request. Names lower-cased, as Fastify keeps them.
 */
export function helmetHeaders(): Readonly<Record<string, string>> {
  const headers: Record<string, string> = {};
  const response = {
    setHeader(name: string, value: string | number) {
      headers[name.toLowerCase()] = String(value);
    },
    removeHeader(name: string) {
      delete headers[name.toLowerCase()];
    },
  };
  helmet()({} as IncomingMessage, response as unknown as ServerResponse, (error) => {
    if (error) throw error;
  });
  return Object.freeze(headers);
}

/**
 * Every answer carries helmet's headers, set before any other hook runs, so a refusal (a host
 * outside the allowlist, a rate limit, a 404) has them too; a route may replace one (the
 * dashboard's files and the API docs have their own CSP). Computed once: @fastify/helmet ran
 * helmet's twelve middlewares on every request, the CSP rebuilt each time, each header set on
 * the raw response, which sent all of a reply's headers through Node's setHeader (decision 0019).
 */
export function registerSecurityHeaders(app: FastifyInstance): void {
  const headers = helmetHeaders();
  app.addHook('onRequest', (_request, reply, done) => {
    reply.headers(headers);
    done();
  });
}
