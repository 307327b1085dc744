import type { FastifyInstance } from 'fastify';
import { sendError } from './errors.ts';

/** Host-header allowlist (the spec's TrustedHostMiddleware): `*.x.org` matches subdomains. */
export function registerTrustedHosts(app: FastifyInstance, allowed: string[]): void {
  if (allowed.length === 0 || allowed.includes('*')) return;
  const matches = (host: string) =>
    allowed.some((pattern) => (pattern.startsWith('*.') ? host.endsWith(pattern.slice(1)) : host === pattern));
  app.addHook('onRequest', async (request, reply) => {
    const raw = request.headers.host ?? '';
    const host = raw.startsWith('[') ? raw.slice(0, raw.indexOf(']') + 1) : (raw.split(':')[0] ?? '');
    if (!matches(host.toLowerCase())) {
      return sendError(reply, 'AURA_HOST_NOT_ALLOWED', 'this server does not answer for that host name');
    }
  });
}
