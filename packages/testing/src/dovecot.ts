// Dovecot (IMAP), started by a suite on a free loopback port with its own folder, unprivileged.
import { execFileSync, spawn } from 'node:child_process';
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir, userInfo } from 'node:os';
import { join } from 'node:path';
import { selfSignedCertificate } from './certificate.ts';
import { freePort, listening } from './port.ts';
import { program } from './skip.ts';

export const DOVECOT = program('dovecot', 'dovecot-imapd');

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
  await listening(port, child, log);
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
