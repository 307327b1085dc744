import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { AuraError } from '@aura/errors';
import { freePort, waitFor } from '@aura/testing';
import { loadConfig } from '../src/config.ts';
import { prettyLogs } from '../src/log.ts';

// `npm start` as a person at a terminal sees it: its own process group (as a shell makes one), and
// Ctrl-C signalled to the whole group, embedded PostgreSQL included, as the terminal does.

const dataDir = mkdtempSync(join(tmpdir(), 'aura-console-'));
after(() => rmSync(dataDir, { recursive: true, force: true }));
const main = fileURLToPath(import.meta.resolve('@aura/server/main'));

/** What a clean run must never print. */
const TROUBLE = /error|Unexpected|DeprecationWarning|retired/i;
/** The lines main.ts writes itself, around the log lines. */
const OWN_LINE =
  /^(|Starting embedded PostgreSQL .*|Applied migrations: .*|Aura server listening on .*| {2}(dashboard|API docs|database|workflows) .*|Press Ctrl-C to stop\.|SIGINT: stopping…|Stopped\.)$/;
const PER_REQUEST = /incoming request|request completed/;

/** Starts main.ts on the embedded database, asks for /health twice, presses Ctrl-C; its output and exit code. */
async function session(env: Record<string, string>): Promise<{ lines: string[]; code: number | null }> {
  const child = spawn(process.execPath, ['--import', 'tsx', main], {
    env: {
      ...process.env,
      AURA_LOG_LEVEL: '',
      AURA_LOG_FORMAT: '',
      ...env,
      DATABASE_URL: '',
      AURA_DATA_DIR: dataDir,
      AURA_PG_PORT: String(await freePort()),
      PORT: '0',
    },
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: true,
  });
  let out = '';
  child.stdout.on('data', (d) => {
    out += String(d);
  });
  child.stderr.on('data', (d) => {
    out += String(d);
  });
  const exited = once(child, 'exit').then(([code]: unknown[]) => (typeof code === 'number' ? code : null));
  try {
    const url = await waitFor(
      () => {
        if (child.exitCode !== null) throw new Error(`the server exited before listening:\n${out}`);
        return out.match(/Aura server listening on (http:\/\/\S+)/)?.[1];
      },
      90_000,
      () => out,
    );
    for (let i = 0; i < 2; i++) {
      const res = await fetch(`${url}/health`, { headers: { authorization: 'Bearer not-to-be-logged' } });
      assert.equal(res.status, 200);
    }
    // "request completed" is written once the response has gone: the client may see it first.
    if (env.AURA_LOG_LEVEL === 'debug') await waitFor(() => out.match(/request completed/g)?.length === 2, 10_000);
    process.kill(-(child.pid ?? 0), 'SIGINT');
    const code = await exited;
    return { lines: out.split('\n').filter((line, i, all) => line || i < all.length - 1), code };
  } finally {
    // Only when an assertion above failed: the server's own handler stops its PostgreSQL too.
    if (child.exitCode === null) child.kill('SIGTERM');
  }
}

function assertCleanStop({ lines, code }: { lines: string[]; code: number | null }) {
  const text = lines.join('\n');
  assert.equal(code, 0, text);
  assert.deepEqual(
    lines.filter((line) => TROUBLE.test(line)),
    [],
    text,
  );
  assert.ok(lines.includes('Stopped.'), text);
  // PostgreSQL stopped too, and cleanly: it removes its pid file last.
  assert.equal(existsSync(join(dataDir, 'postgres', 'postmaster.pid')), false);
}

describe('the console of npm start', { timeout: 240_000 }, () => {
  it('pretty: one readable line an event, no line for a request, and Ctrl-C stops without an error', async () => {
    const run = await session({ AURA_LOG_FORMAT: 'pretty' });
    assertCleanStop(run);
    const logged = run.lines.filter((line) => !OWN_LINE.test(line));
    assert.ok(
      logged.some((line) => /^\[\d\d:\d\d:\d\d\] INFO: Server listening at http:/.test(line)),
      run.lines.join('\n'),
    );
    assert.deepEqual(
      logged.filter((line) => line.startsWith('{')),
      [],
    );
    assert.deepEqual(
      logged.filter((line) => PER_REQUEST.test(line)),
      [],
    );
  });

  it('not a terminal: JSON lines, still none for a request at the default level', async () => {
    const run = await session({});
    assertCleanStop(run);
    const logged = run.lines.filter((line) => !OWN_LINE.test(line));
    assert.ok(logged.length > 0, 'something was logged');
    for (const line of logged) assert.equal(typeof JSON.parse(line).msg, 'string', line);
    assert.deepEqual(
      logged.filter((line) => PER_REQUEST.test(line)),
      [],
    );
  });

  it('AURA_LOG_FORMAT=json at debug: every log line is JSON, and each request has its two lines', async () => {
    const run = await session({ AURA_LOG_FORMAT: 'json', AURA_LOG_LEVEL: 'debug' });
    assertCleanStop(run);
    const logged = run.lines.filter((line) => !OWN_LINE.test(line));
    const entries = logged.map((line) => JSON.parse(line) as { level: number; msg: string; req?: { url?: string } });
    const perRequest = entries.filter((e) => PER_REQUEST.test(e.msg));
    assert.equal(perRequest.length, 4, logged.join('\n'));
    for (const e of perRequest) assert.equal(e.level, 20, 'at debug');
    assert.deepEqual(
      perRequest.filter((e) => e.req).map((e) => e.req?.url),
      ['/health', '/health'],
    );
    assert.ok(!logged.join('\n').includes('not-to-be-logged'));
  });

  it('a bad AURA_LOG_FORMAT or AURA_LOG_LEVEL stops the start, naming the variable and what it may be', async () => {
    const child = spawn(process.execPath, ['--import', 'tsx', main], {
      env: { ...process.env, AURA_LOG_FORMAT: 'yaml', DATABASE_URL: '', AURA_DATA_DIR: dataDir },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    child.stdout.on('data', (d) => {
      out += String(d);
    });
    child.stderr.on('data', (d) => {
      out += String(d);
    });
    const [code] = await once(child, 'exit');
    assert.equal(code, 1);
    assert.match(out, /Aura could not start: AURA_LOG_FORMAT must be one of json, pretty, got "yaml"/);
    assert.doesNotMatch(out, /Starting embedded PostgreSQL/);

    assert.throws(
      () => loadConfig({ AURA_LOG_LEVEL: 'verbose' }),
      (e: unknown) =>
        e instanceof AuraError &&
        e.message === 'AURA_LOG_LEVEL must be one of fatal, error, warn, info, debug, trace, silent, got "verbose"',
    );
    assert.equal(loadConfig({}).logLevel, 'info');
    assert.equal(loadConfig({ AURA_LOG_LEVEL: '' }).logLevel, 'info');
    assert.equal(loadConfig({ AURA_LOG_FORMAT: 'json' }).logFormat, 'json');
  });

  it('unset, the format follows stdout: pretty on a terminal, JSON lines elsewhere', () => {
    assert.equal(prettyLogs(undefined, { isTTY: true }), true);
    assert.equal(prettyLogs(undefined, {}), false);
    assert.equal(prettyLogs('json', { isTTY: true }), false);
    assert.equal(prettyLogs('pretty', {}), true);
  });
});
