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
export const nodeSocket: OpenSocket = (url, token) =>
  new WebSocket(url, { headers: { authorization: `Bearer ${token}` } }) as unknown as SocketLike;
