import { AuraError } from '@aura/errors';
import { AgentFrame, problemsOf } from '@aura/protocol';

const refused = (why: string) =>
  new AuraError('AURA_SERVER_MISBEHAVED', `the server sent the agent ${why}; the frame was not used`);

/**
 * One frame of the agent channel (GET /api/v1/agent/connect), parsed with the protocol's union.
 * A frame that is not JSON, of a type this build does not know, or malformed is refused with
 * AURA_SERVER_MISBEHAVED: the agent can log it and go on, since what a frame carries is handed
 * out again by POST /api/v1/agent/claim.
 */
export function readAgentFrame(data: string): AgentFrame {
  let json: unknown;
  try {
    json = JSON.parse(data);
  } catch {
    throw refused('a frame that is not JSON');
  }
  const parsed = AgentFrame.safeParse(json);
  if (!parsed.success) throw refused(`a frame that is not one of the protocol's (${problemsOf(parsed.error)})`);
  return parsed.data;
}
