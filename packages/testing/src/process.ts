import { type ChildProcess, type SpawnOptions, spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { LightMyRequestResponse } from 'fastify';
import type { Inject } from './user.ts';

export interface ServerProcess {
  child: ChildProcess;
  url: string;
  output: () => string;
  exited: Promise<number | null>;
}

/** How a process that a suite ran ended, with everything it wrote. */
export interface ProcessRun {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** A process a suite started: its output so far, and how it ends. */
export interface StartedProcess {
  child: ChildProcess;
  done: Promise<ProcessRun>;
  stdout: () => string;
  stderr: () => string;
}

/** Starts `command args`, feeding it `stdin` and collecting what it writes. */
export function startProcess(
  command: string,
  args: string[],
  options: Omit<SpawnOptions, 'stdio'> & { stdin?: string } = {},
): StartedProcess {
  const { stdin = '', ...spawnOptions } = options;
  const child = spawn(command, args, { ...spawnOptions, stdio: ['pipe', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout?.on('data', (d) => {
    stdout += String(d);
  });
  child.stderr?.on('data', (d) => {
    stderr += String(d);
  });
  child.stdin?.end(stdin);
  const done = new Promise<ProcessRun>((resolve) => child.on('exit', (code) => resolve({ code, stdout, stderr })));
  return { child, done, stdout: () => stdout, stderr: () => stderr };
}

/**
 * What `npm start` (and `aura up`) runs, as spawnServer's `args`: the server's start script, which
 * builds the server to JavaScript when a source is newer than the build and runs the build.
 */
export const NPM_START: readonly string[] = [fileURLToPath(import.meta.resolve('@aura/server/start'))];

/**
 * Runs the server's entry point in its own process and waits until it listens: its TypeScript
 * through tsx, or with `args`, whatever Node is given instead (NPM_START, the built server as
 * `npm start` runs it, perhaps after flags such as --cpu-prof).
 */
export async function spawnServer(
  env: Record<string, string>,
  timeoutMs = 60_000,
  args: readonly string[] = ['--import', 'tsx', fileURLToPath(import.meta.resolve('@aura/server/main'))],
): Promise<ServerProcess> {
  const child = spawn(process.execPath, args, {
    env: { ...process.env, PORT: '0', AURA_LOG_LEVEL: 'warn', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  child.stdout?.on('data', (d) => {
    out += String(d);
  });
  child.stderr?.on('data', (d) => {
    out += String(d);
  });
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  // Resolved by the line the server prints, not by polling: it says where it listens.
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`server did not start in ${timeoutMs} ms:\n${out}`)), timeoutMs);
    const check = () => {
      const match = out.match(/Aura server listening on (http:\/\/[^\s]+)/);
      if (match?.[1]) {
        clearTimeout(timer);
        resolve(match[1]);
      }
    };
    child.stdout?.on('data', check);
    void exited.then((code) => {
      clearTimeout(timer);
      reject(new Error(`server exited with ${code} before listening:\n${out}`));
    });
  });
  return { child, url, output: () => out, exited };
}

/** The test client's inject(), over real HTTP. */
export function httpInject(baseUrl: string): Inject {
  return async (options) => {
    const o = typeof options === 'string' ? { url: options, method: 'GET' } : options;
    const headers: Record<string, string> = { ...(o.headers as Record<string, string>) };
    let body: string | undefined;
    if (o.payload !== undefined) {
      body = typeof o.payload === 'string' ? o.payload : JSON.stringify(o.payload);
      headers['content-type'] ??= 'application/json';
    }
    const res = await fetch(`${baseUrl}${o.url}`, { method: o.method ?? 'GET', headers, body });
    const text = await res.text();
    const responseHeaders: Record<string, string> = {};
    res.headers.forEach((value, key) => {
      responseHeaders[key] = value;
    });
    return {
      statusCode: res.status,
      body: text,
      headers: responseHeaders,
      json: () => JSON.parse(text),
    } as unknown as LightMyRequestResponse;
  };
}
