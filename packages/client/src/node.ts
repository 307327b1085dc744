import { chmodSync, existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import WebSocket from 'ws';
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

/** A WebSocket for the SDK on Node (the `ws` package: it can send the bearer token as a header). */
export const nodeSocket: OpenSocket = (url, token) => {
  const ws = new WebSocket(url, { headers: { authorization: `Bearer ${token}` } });
  const socket: SocketLike = {
    onopen: null,
    onmessage: null,
    onclose: null,
    onerror: null,
    close: (code, reason) => ws.close(code, reason),
  };
  ws.on('open', () => socket.onopen?.(undefined));
  ws.on('message', (data) => socket.onmessage?.({ data: String(data) }));
  ws.on('close', (code, reason) => socket.onclose?.({ code, reason: String(reason) }));
  // Heard always: an 'error' with no listener would end the process; the close that follows reports it.
  ws.on('error', (error) => socket.onerror?.(error));
  return socket;
};
