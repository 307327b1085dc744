import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { program } from './skip.ts';

/** What makes the certificates; suites that need one pass it to skipUnless. */
export const OPENSSL = program('openssl');

/** A self-signed certificate for 127.0.0.1/localhost (openssl), for STARTTLS and TLS tests. */
export function selfSignedCertificate(dir: string) {
  const key = join(dir, 'key.pem');
  const cert = join(dir, 'cert.pem');
  execFileSync(
    'openssl',
    [
      'req',
      '-x509',
      '-newkey',
      'rsa:2048',
      '-nodes',
      '-days',
      '2',
      '-subj',
      '/CN=localhost',
      '-addext',
      'subjectAltName=DNS:localhost,IP:127.0.0.1',
      '-keyout',
      key,
      '-out',
      cert,
    ],
    { stdio: 'ignore' },
  );
  return { key, cert };
}
