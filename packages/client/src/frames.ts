import { AuraError } from '@aura/errors';
import { problemsOf, type WireSchema } from '@aura/protocol';

/**
 * One WebSocket frame from the server, parsed with the protocol's union for its channel. A frame
 * that is not JSON, of a type this build does not know, or malformed is refused with
 * AURA_SERVER_MISBEHAVED, naming the channel (`to`: who it was sent to).
 */
export function readFrame<T>(schema: WireSchema<T>, data: string, to: string): T {
  const refused = (why: string) =>
    new AuraError('AURA_SERVER_MISBEHAVED', `the server sent ${to} ${why}; the frame was not used`);
  let json: unknown;
  try {
    json = JSON.parse(data);
  } catch {
    throw refused('a frame that is not JSON');
  }
  const parsed = schema.safeParse(json);
  if (!parsed.success) throw refused(`a frame that is not one of the protocol's (${problemsOf(parsed.error)})`);
  return parsed.data;
}
