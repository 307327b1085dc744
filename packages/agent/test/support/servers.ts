// Real servers of each protocol, started by the tests on free loopback ports with their own
// folders: Radicale (CalDAV), smtp-server (SMTP with STARTTLS and a login), Dovecot (IMAP).
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir, userInfo } from 'node:os';
import { join } from 'node:path';
import { SMTPServer } from 'smtp-server';

/**
 * Whether the programs a suite needs are installed. A machine without them skips the suite and
 * says so loudly; under CI=true (where .ci/run installs them) their absence is a failure.
 */
export function unavailable(...commands: string[]): string | false {
  const missing = commands.filter((c) => {
    try {
      execFileSync('sh', ['-c', `command -v ${c} || test -x /usr/sbin/${c}`], { stdio: 'ignore' });
      return false;
    } catch {
      return true;
    }
  });
  if (missing.length === 0) return false;
  const why = `${missing.join(', ')} not installed (Debian: apt-get install radicale dovecot-imapd openssl)`;
  if (process.env.CI === 'true') throw new Error(`CI needs ${why}`);
  process.stderr.write(`\n*** SKIPPING: ${why} ***\n\n`);
  return why;
}

export const freePort = () =>
  new Promise<number>((resolve) => {
    const s = createServer().listen(0, '127.0.0.1', () => {
      const p = (s.address() as { port: number }).port;
      s.close(() => resolve(p));
    });
  });

async function waitForPort(port: number, child: ChildProcess, output: () => string, timeoutMs = 20_000) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const open = await new Promise<boolean>((resolve) => {
      const socket = createServer();
      socket.once('error', () => resolve(true));
      socket.listen(port, '127.0.0.1', () => socket.close(() => resolve(false)));
    });
    if (open) return;
    if (child.exitCode !== null) throw new Error(`server exited: ${output()}`);
    if (Date.now() > deadline) throw new Error(`server did not listen on ${port}: ${output()}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

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

export interface Radicale {
  url: string;
  username: string;
  password: string;
  /** The calendar's collection folder (for asserting what Radicale stored). */
  calendarDir: string;
  stop(): Promise<void>;
}

/** Debian's radicale on a free port, one user with one calendar named "Work". */
export async function startRadicale(): Promise<Radicale> {
  const dir = mkdtempSync(join(tmpdir(), 'aura-radicale-'));
  const port = await freePort();
  const username = 'alice';
  const password = 'radicale pw';
  writeFileSync(join(dir, 'users'), `${username}:${password}\n`);
  const calendarDir = join(dir, 'collections', 'collection-root', username, 'work');
  mkdirSync(calendarDir, { recursive: true });
  writeFileSync(
    join(calendarDir, '.Radicale.props'),
    JSON.stringify({ tag: 'VCALENDAR', 'D:displayname': 'Work', 'C:supported-calendar-component-set': 'VEVENT' }),
  );
  writeFileSync(
    join(dir, 'config'),
    `[server]\nhosts = 127.0.0.1:${port}\n[auth]\ntype = htpasswd\nhtpasswd_filename = ${join(dir, 'users')}\nhtpasswd_encryption = plain\ndelay = 0\n` +
      `[storage]\nfilesystem_folder = ${join(dir, 'collections')}\n[rights]\ntype = owner_only\n[logging]\nlevel = warning\n`,
  );
  let out = '';
  const child = spawn('radicale', ['--config', join(dir, 'config')], { stdio: ['ignore', 'pipe', 'pipe'] });
  child.stdout?.on('data', (d) => {
    out += String(d);
  });
  child.stderr?.on('data', (d) => {
    out += String(d);
  });
  await waitForPort(port, child, () => out);
  return {
    url: `http://127.0.0.1:${port}/`,
    username,
    password,
    calendarDir,
    async stop() {
      child.kill('SIGTERM');
      await new Promise((r) => child.once('exit', r));
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

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

/** smtp-server (the npm package behind Nodemailer's own tests): STARTTLS required, PLAIN/LOGIN auth. */
export async function startSmtp(): Promise<Smtp> {
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

export interface Imap {
  port: number;
  username: string;
  password: string;
  caFile: string;
  /** Puts a message in the user's inbox (Maildir "new"). */
  deliver(message: { from: string; subject: string; body: string }): void;
  stop(): Promise<void>;
}

/** Debian's Dovecot, unprivileged, on a free port: IMAPS with a self-signed certificate. */
export async function startDovecot(login: { username?: string; password?: string } = {}): Promise<Imap> {
  const dir = mkdtempSync(join(tmpdir(), 'aura-dovecot-'));
  // Dovecot's auth process runs as its own user and must reach the passwd file.
  chmodSync(dir, 0o755);
  const { key, cert } = selfSignedCertificate(dir);
  const port = await freePort();
  const username = login.username ?? 'alice';
  const password = login.password ?? 'imap pw';
  const me = userInfo();
  const maildir = join(dir, 'mail');
  for (const sub of ['cur', 'new', 'tmp']) mkdirSync(join(maildir, sub), { recursive: true });
  // Mail is never handled as root: as root, the mailbox belongs to Debian's "dovecot" user.
  const owner =
    me.uid === 0
      ? {
          uid: Number(execFileSync('id', ['-u', 'dovecot']).toString().trim()),
          gid: Number(execFileSync('id', ['-g', 'dovecot']).toString().trim()),
        }
      : { uid: me.uid, gid: me.gid };
  if (me.uid === 0) execFileSync('chown', ['-R', `${owner.uid}:${owner.gid}`, maildir]);
  writeFileSync(join(dir, 'passwd'), `${username}:{PLAIN}${password}:${owner.uid}:${owner.gid}::${dir}::\n`);
  writeFileSync(
    join(dir, 'dovecot.conf'),
    [
      `base_dir = ${join(dir, 'run')}`,
      `state_dir = ${join(dir, 'state')}`,
      'protocols = imap',
      `listen = 127.0.0.1`,
      // Dovecot's login processes must not run as root: as root, use the users Debian's package made.
      `default_internal_user = ${me.uid === 0 ? 'dovecot' : me.username}`,
      `default_login_user = ${me.uid === 0 ? 'dovenull' : me.username}`,
      `first_valid_uid = ${owner.uid}`,
      `first_valid_gid = ${owner.gid}`,
      'ssl = required',
      `ssl_cert = <${cert}`,
      `ssl_key = <${key}`,
      'auth_mechanisms = plain login',
      'disable_plaintext_auth = yes',
      `log_path = ${join(dir, 'dovecot.log')}`,
      `mail_location = maildir:${maildir}`,
      'service imap-login {',
      '  inet_listener imap {',
      '    port = 0',
      '  }',
      '  inet_listener imaps {',
      `    port = ${port}`,
      '    ssl = yes',
      '  }',
      '}',
      'service anvil {',
      '  chroot =',
      '}',
      'service imap-login {',
      '  chroot =',
      '}',
      'passdb {',
      '  driver = passwd-file',
      `  args = ${join(dir, 'passwd')}`,
      '}',
      'userdb {',
      '  driver = passwd-file',
      `  args = ${join(dir, 'passwd')}`,
      '}',
      '',
    ].join('\n'),
  );
  let out = '';
  const child = spawn('/usr/sbin/dovecot', ['-F', '-c', join(dir, 'dovecot.conf')], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  child.stdout?.on('data', (d) => {
    out += String(d);
  });
  child.stderr?.on('data', (d) => {
    out += String(d);
  });
  const log = () => {
    try {
      return `${out}\n${readFileSync(join(dir, 'dovecot.log'), 'utf8')}`;
    } catch {
      return out;
    }
  };
  await waitForPort(port, child, log);
  let n = 0;
  return {
    port,
    username,
    password,
    caFile: cert,
    deliver({ from, subject, body }) {
      const name = `${Date.now()}.${process.pid}_${n++}.aura`;
      const file = join(maildir, 'new', name);
      writeFileSync(
        file,
        `From: ${from}\r\nTo: alice@example.com\r\nSubject: ${subject}\r\nDate: ${new Date().toUTCString()}\r\nMessage-ID: <${name}@example.com>\r\n\r\n${body}\r\n`,
      );
      if (me.uid === 0) execFileSync('chown', [`${owner.uid}:${owner.gid}`, file]);
    },
    async stop() {
      child.kill('SIGTERM');
      await new Promise((r) => child.once('exit', r));
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
