import type { WebSocket } from 'ws';

/**
 * The agents connected right now, per user: each is a WebSocket from an enrolled device that
 * runs `aura agent`. A message for a user with no agent connected is not lost: what it carries
 * is in the database, and the agent fetches it when it connects (GET /api/v1/agent/pending).
 */
export class AgentHub {
  readonly #sockets = new Map<string, Map<WebSocket, string | null>>();

  /** `deviceId`: the agent's device (null for a session without one: it gets requests only). */
  add(userId: string, deviceId: string | null, socket: WebSocket): () => void {
    const sockets = this.#sockets.get(userId) ?? new Map();
    sockets.set(socket, deviceId);
    this.#sockets.set(userId, sockets);
    return () => {
      sockets.delete(socket);
      if (sockets.size === 0) this.#sockets.delete(userId);
    };
  }

  /** One connected agent device of the user (the latest to connect), or none. */
  pick(userId: string): string | null {
    const devices = [...(this.#sockets.get(userId)?.values() ?? [])].filter((d): d is string => d !== null);
    return devices.at(-1) ?? null;
  }

  /** Sends to the agent(s) of one device; returns how many got it. */
  sendTo(userId: string, deviceId: string, message: Record<string, unknown>): number {
    let sent = 0;
    for (const [socket, device] of this.#sockets.get(userId) ?? []) {
      if (device !== deviceId || socket.readyState !== socket.OPEN) continue;
      socket.send(JSON.stringify(message));
      sent++;
    }
    return sent;
  }

  connected(userId: string): number {
    return this.#sockets.get(userId)?.size ?? 0;
  }

  closeAll(): void {
    for (const sockets of this.#sockets.values())
      for (const socket of sockets.keys()) socket.close(1001, 'server stopping');
    this.#sockets.clear();
  }
}
