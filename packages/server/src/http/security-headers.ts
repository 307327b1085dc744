import { IncomingMessage, ServerResponse } from 'node:http';
import { Socket } from 'node:net';
import type { FastifyInstance } from 'fastify';
import helmet from 'helmet';

/**
 * The headers helmet's defaults set (CSP, HSTS, X-Frame-Options, nosniff and the rest), found by
 * running helmet once on a stand-in response: with no per-request option (no nonce), they are
 * the same for every request. Names lower-cased, as Fastify keeps them.
 */
export function helmetHeaders(): Readonly<Record<string, string>> {
  // A real response that is never sent: helmet sets its headers on it as on any other.
  const request = new IncomingMessage(new Socket());
  const response = new ServerResponse(request);
  helmet()(request, response, (error?: unknown) => {
    if (error) throw error;
  });
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(response.getHeaders())) {
    if (value !== undefined) headers[name.toLowerCase()] = Array.isArray(value) ? value.join(', ') : String(value);
  }
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
