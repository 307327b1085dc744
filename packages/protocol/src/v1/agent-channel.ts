import * as z from 'zod';
import { AgentRequest, Dispatch } from './tasks.ts';

/**
 * The agent channel (GET /api/v1/agent/connect, a WebSocket): what the server sends an agent,
 * one JSON text frame each. Every frame is a nudge, never the only copy: what it carries is in
 * the database, and POST /api/v1/agent/claim hands it out again.
 *
 * The agent sends no frames: it answers over HTTP (step results, requests done), so there is
 * no agent-to-server union, and a server reading the socket has nothing to accept.
 */
export const AgentFrame = z.discriminatedUnion('type', [
  /** On connect: work may have waited while the agent was away; it should fetch what is pending. */
  z.strictObject({ type: z.literal('hello'), pending: z.boolean() }),
  /** One attempt of a step, for the agent to check (its approval, its slot) and run. */
  z.strictObject({ type: z.literal('dispatch'), dispatch: Dispatch }),
  /** A request posted by one of the user's devices, for the agent to understand and plan. */
  z.strictObject({ type: z.literal('request'), request: AgentRequest }),
]);
export type AgentFrame = z.infer<typeof AgentFrame>;
