import type { AgentFrame } from '@aura/protocol';
import type { FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';
import type { WebSocket } from 'ws';
import { AgentWake } from './wake.ts';

/**
 * The agents connected right now, per user: each is a WebSocket from an enrolled device that
 * runs `aura agent`. A message for a user with no agent connected is not lost: what it carries
 * is in the database, and the agent claims it when it connects (POST /api/v1/agent/claim).
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

  /** Sends to one connection of the device (two agent processes on one device would both act). */
  sendTo(userId: string, deviceId: string, frame: AgentFrame): boolean {
    const sockets = [...(this.#sockets.get(userId) ?? [])].filter(
      ([socket, device]) => device === deviceId && socket.readyState === socket.OPEN,
    );
    const last = sockets.at(-1)?.[0];
    last?.send(frameText(frame));
    return Boolean(last);
  }

  /**
   * Tells every agent connection of the user to claim what is pending: work that another server
   * process queued or dispatched while the agent was connected here (see wake.ts).
   */
  wake(userId: string): void {
    for (const socket of this.#sockets.get(userId)?.keys() ?? [])
      if (socket.readyState === socket.OPEN) socket.send(frameText({ type: 'hello', pending: true }));
  }

  /** Whether one of the user's agents is connected to this process. */
  has(userId: string): boolean {
    return this.#sockets.has(userId);
  }

  /** A revoked device's agent is cut off at once, not at its next request. */
  closeDevice(userId: string, deviceId: string): void {
    for (const [socket, device] of this.#sockets.get(userId) ?? [])
      if (device === deviceId) socket.close(4001, 'device revoked');
  }

  closeAll(): void {
    for (const sockets of this.#sockets.values())
      for (const socket of sockets.keys()) socket.close(1001, 'server stopping');
    this.#sockets.clear();
  }
}

/** One frame as its socket message: every frame the server sends is one of protocol's, checked at compile time. */
export function frameText(frame: AgentFrame): string {
  return JSON.stringify(frame);
}

declare module 'fastify' {
  interface FastifyInstance {
    agentHub: AgentHub;
    agentWake: AgentWake;
  }
}

/** The hub on its own, early: revoking a device (the devices module) cuts its agent off. */
export const agentHubPlugin = fp(
  async (app: FastifyInstance) => {
    const hub = new AgentHub();
    const wake = new AgentWake(app.pool, hub, app.log);
    app.decorate('agentHub', hub);
    app.decorate('agentWake', wake);
    await wake.start();
    app.addHook('onClose', () => wake.stop());
  },
  { name: 'aura-agent-hub', fastify: '5.x', dependencies: ['aura-database'] },
);
