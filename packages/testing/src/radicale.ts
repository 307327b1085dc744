// Radicale (CalDAV), started by a suite on a free loopback port with its own folder.
import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort, listening } from './port.ts';
import { program } from './skip.ts';

export const RADICALE = program('radicale');

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
  await listening(port, child, () => out);
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
