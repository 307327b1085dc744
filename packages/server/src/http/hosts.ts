import type { FastifyInstance } from 'fastify';
import { sendError } from './errors.ts';

/** Whether a Host header names a host of the allowlist: `*.x.org` matches subdomains, `*` anything. */
export function hostAllowed(allowed: readonly string[], header: string): boolean {
  if (allowed.length === 0 || allowed.includes('*')) return true;
  const raw = header.startsWith('[') ? header.slice(0, header.indexOf(']') + 1) : (header.split(':')[0] ?? '');
  const host = raw.toLowerCase();
  return allowed.some((pattern) => (pattern.startsWith('*.') ? host.endsWith(pattern.slice(1)) : host === pattern));
}

/** Host headers seen and allowed, so that a request from a known host does not parse its header again. */
const REMEMBERED = 256;

/** Host-header allowlist (the spec's TrustedHostMiddleware). */
export function registerTrustedHosts(app: FastifyInstance, allowed: string[]): void {
  if (allowed.length === 0 || allowed.includes('*')) return;
  // Only allowed values are kept, and only so many: a client inventing Host headers fills nothing.
  const known = new Set<string>();
  app.addHook('onRequest', (request, reply, done) => {
    const header = request.headers.host ?? '';
    if (known.has(header)) return done();
    if (!hostAllowed(allowed, header)) {
      sendError(reply, 'AURA_HOST_NOT_ALLOWED', 'this server does not answer for that host name');
      return;
    }
    if (known.size < REMEMBERED) known.add(header);
    done();
  });
}
