import { type ActionTable, type ExecutionContext, PluginError } from './types.ts';

/** Runs the handler a plugin's table has for the action; one it lacks is refused, and not retried. */
export async function dispatch(
  table: ActionTable,
  action: string,
  params: Record<string, unknown>,
  context: ExecutionContext,
  refusal: string,
): Promise<unknown> {
  const handler = Object.hasOwn(table, action) ? table[action] : undefined;
  if (!handler) throw new PluginError(refusal, false);
  return handler(params, context);
}
