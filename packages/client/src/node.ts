import { createHash } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { request as httpRequest } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { dirname, join } from 'node:path';
import type { Answer, Transport } from './http.ts';
import type { IndexCache } from './memory/index-cache.ts';
import type { OpenSocket, SocketLike } from './notifications.ts';
import type { ClientState, StateStore } from './state.ts';

/** State in a JSON file readable by its owner alone (0600), written atomically. */
export class FileStateStore implements StateStore {
  constructor(readonly path: string) {}

  async load(): Promise<ClientState> {
    if (!existsSync(this.path)) return {};
    return JSON.parse(readFileSync(this.path, 'utf8')) as ClientState;
  }

  async save(state: ClientState): Promise<void> {
    mkdirSync(dirname(this.path), { recursive: true, mode: 0o700 });
    const tmp = `${this.path}.${process.pid}.tmp`;
    writeFileSync(tmp, JSON.stringify(state, null, 2), { mode: 0o600 });
    chmodSync(tmp, 0o600);
    renameSync(tmp, this.path);
  }
}

/**
 * Sealed indexes in files of a directory readable by its owner alone (0600), written atomically.
 * A file is named by the SHA-256 of the index's name, so the names (account, model) are not shown.
 */
export class FileIndexCache implements IndexCache {
  constructor(readonly dir: string) {}

  #path(name: string): string {
    return join(this.dir, `${createHash('sha256').update(name).digest('hex')}.bin`);
  }

  async load(name: string): Promise<Uint8Array | undefined> {
    const path = this.#path(name);
    return existsSync(path) ? new Uint8Array(readFileSync(path)) : undefined;
  }

  async save(name: string, bytes: Uint8Array): Promise<void> {
    mkdirSync(this.dir, { recursive: true, mode: 0o700 });
    const path = this.#path(name);
    const tmp = `${path}.${process.pid}.tmp`;
    writeFileSync(tmp, bytes, { mode: 0o600 });
    chmodSync(tmp, 0o600);
    renameSync(tmp, path);
  }
}

/**
 * A WebSocket for the SDK on Node (the `ws` package: it can send the bearer token as a header).
 * `ws` is loaded with the first socket, so the commands that never open one do not load it.
 */
export const nodeSocket: OpenSocket = (url, token) => {
  let ws: import('ws').WebSocket | undefined;
  let closing: { code?: number; reason?: string } | undefined;
  const socket: SocketLike = {
    onopen: null,
    onmessage: null,
    onclose: null,
    onerror: null,
    close: (code, reason) => {
      if (ws) ws.close(code, reason);
      else closing = { ...(code === undefined ? {} : { code }), ...(reason === undefined ? {} : { reason }) };
    },
  };
  import('ws').then(
    ({ WebSocket }) => {
      // Closed before it was open: it never connects, and says so as a socket would.
      if (closing) return socket.onclose?.({ code: closing.code ?? 1000, reason: closing.reason ?? '' });
      ws = new WebSocket(url, { headers: { authorization: `Bearer ${token}` } });
      ws.on('open', () => socket.onopen?.(undefined));
      ws.on('message', (data) => socket.onmessage?.({ data: String(data) }));
      ws.on('close', (code, reason) => socket.onclose?.({ code, reason: String(reason) }));
      // Heard always: an 'error' with no listener would end the process; the close that follows reports it.
      ws.on('error', (error) => socket.onerror?.(error));
    },
    (error: unknown) => {
      socket.onerror?.(error);
      socket.onclose?.({ code: 1006, reason: 'the ws package could not be loaded' });
    },
  );
  return socket;
};

/**
 * Requests over node:http(s) rather than fetch: Node 20 loads fetch's implementation (undici) on
 * first use, some 120 ms that a command line pays on every run for one request. Only what the
 * client reads of an answer is kept (status, headers, the text).
 */
export const nodeTransport: Transport = (url, init) =>
  new Promise<Answer>((resolve, reject) => {
    const target = new URL(url);
    const send = target.protocol === 'https:' ? httpsRequest : httpRequest;
    // The length is always sent: a body that comes without one (chunked) is refused on a DELETE.
    const headers = { ...init.headers, 'content-length': String(init.body ? Buffer.byteLength(init.body) : 0) };
    const req = send(target, { method: init.method, headers }, (res) => {
      const chunks: Buffer[] = [];
      const body = new Promise<string>((done, broke) => {
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('end', () => done(Buffer.concat(chunks).toString('utf8')));
        res.on('error', broke);
        res.on('aborted', () => broke(new Error('the answer was cut off')));
      });
      // Heard at once: a body that breaks before anyone reads it must not be an unhandled rejection.
      body.catch(() => {});
      const status = res.statusCode ?? 0;
      resolve({
        status,
        ok: status >= 200 && status < 300,
        headers: {
          get: (name) => {
            const value = res.headers[name.toLowerCase()];
            return value === undefined ? null : Array.isArray(value) ? value.join(', ') : value;
          },
        },
        text: () => body,
      });
    });
    req.on('error', reject);
    req.end(init.body);
  });
