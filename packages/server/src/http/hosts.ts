import type { FastifyInstance } from 'fastify';
import { sendError } from './errors.ts';

/** Whether a Host header names a host of the allowlist: `*.x.org` matches subdomains, `*` anything. */
export function hostAllowed(allowed: readonly string[], header: string): boolean {
  if (allowed.length === 0 || allowed.includes('*')) return true;
  const raw = header.startsWith('[') ? header.slice(0, header.indexOf(']') + 1) : (header.split(':')[0] ?? '');
  const host = raw.toLowerCase();
  return allowed.some((pattern) => (pattern.startsWith('*.') ? host.endsWith(pattern.slice(1)) : host === pattern));
}

/** Host-header allowlist (the spec's TrustedHostMiddleware). */
export function registerTrustedHosts(app: FastifyInstance, allowed: string[]): void {
  if (allowed.length === 0 || allowed.includes('*')) return;
  app.addHook('onRequest', async (request, reply) => {
    if (!hostAllowed(allowed, request.headers.host ?? '')) {
      return sendError(reply, 'AURA_HOST_NOT_ALLOWED', 'this server does not answer for that host name');
    }
  });
}
