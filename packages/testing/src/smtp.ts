// An SMTP server in the test's own process: smtp-server, the npm package behind Nodemailer's own tests.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { selfSignedCertificate } from './certificate.ts';
import { freePort } from './port.ts';

export interface ReceivedMail {
  from: string;
  to: string[];
  raw: string;
}

export interface Smtp {
  port: number;
  username: string;
  password: string;
  caFile: string;
  received: ReceivedMail[];
  /** Stops listening (the server is down), keeping its files. */
  close(): Promise<void>;
  stop(): Promise<void>;
}

/** STARTTLS required, PLAIN/LOGIN auth, every message kept in `received`. */
export async function startSmtp(): Promise<Smtp> {
  const { SMTPServer } = await import('smtp-server');
  const dir = mkdtempSync(join(tmpdir(), 'aura-smtp-'));
  const { key, cert } = selfSignedCertificate(dir);
  const port = await freePort();
  const username = 'alice@example.com';
  const password = 'smtp pw';
  const received: ReceivedMail[] = [];
  const server = new SMTPServer({
    key: readFileSync(key),
    cert: readFileSync(cert),
    authOptional: false,
    allowInsecureAuth: false,
    logger: false,
    onAuth(auth, _session, callback) {
      if (auth.username === username && auth.password === password) callback(null, { user: username });
      else callback(new Error('Invalid username or password'));
    },
    onData(stream, session, callback) {
      let raw = '';
      stream.on('data', (d: Buffer) => {
        raw += d.toString('utf8');
      });
      stream.on('end', () => {
        received.push({
          from: session.envelope.mailFrom ? session.envelope.mailFrom.address : '',
          to: session.envelope.rcptTo.map((r) => r.address),
          raw,
        });
        callback();
      });
    },
  });
  await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
  return {
    port,
    username,
    password,
    caFile: cert,
    received,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
    async stop() {
      if (server.server.listening) await new Promise<void>((resolve) => server.close(() => resolve()));
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
