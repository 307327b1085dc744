import type { WebSocket } from 'ws';

/**
 * The agents connected right now, per user: each is a WebSocket from an enrolled device that
 * runs `aura agent`. A message for a user with no agent connected is not lost: what it carries
 * is in the database, and the agent fetches it when it connects (GET /api/v1/agent/pending).
 */
export class AgentHub {
  readonly #sockets = new Map<string, Set<WebSocket>>();

  add(userId: string, socket: WebSocket): () => void {
    const set = this.#sockets.get(userId) ?? new Set();
    set.add(socket);
    this.#sockets.set(userId, set);
    return () => {
      set.delete(socket);
      if (set.size === 0) this.#sockets.delete(userId);
    };
  }

  connected(userId: string): number {
    return this.#sockets.get(userId)?.size ?? 0;
  }

  /** Sends to every agent of the user; returns how many got it. */
  send(userId: string, message: Record<string, unknown>): number {
    let sent = 0;
    for (const socket of this.#sockets.get(userId) ?? []) {
      if (socket.readyState !== socket.OPEN) continue;
      socket.send(JSON.stringify(message));
      sent++;
    }
    return sent;
  }

  closeAll(): void {
    for (const set of this.#sockets.values()) for (const socket of set) socket.close(1001, 'server stopping');
    this.#sockets.clear();
  }
}
