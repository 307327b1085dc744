import { AgentFrame } from '@aura/protocol';
import { readFrame } from './frames.ts';

/**
 * One frame of the agent channel (GET /api/v1/agent/connect). A bad one is refused with
 * AURA_SERVER_MISBEHAVED: the agent can log it and go on, since what a frame carries is handed
 * out again by POST /api/v1/agent/claim.
 */
export function readAgentFrame(data: string): AgentFrame {
  return readFrame(AgentFrame, data, 'the agent');
}
