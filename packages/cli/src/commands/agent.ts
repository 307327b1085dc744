import { join } from 'node:path';
import { AuraError } from '@aura/errors';
import { command } from '../command.ts';
import { auraHome, pluginsPath } from '../home.ts';
import { progress } from '../output.ts';
import { configuredProvider } from './provider.ts';
import { memoryOf } from './records.ts';

/** `aura agent`: this device runs the user's plans until stopped. */
export const agent = command({}, async (client) => {
  const [assistant, { Agent, loadPluginHost }] = await Promise.all([import('@aura/assistant'), import('@aura/agent')]);
  if (!(await client.status()).loggedIn)
    throw new AuraError('AURA_NOT_LOGGED_IN', 'log in (or enroll this install with "aura device enroll") first');
  const host = await loadPluginHost(pluginsPath(), client.vault);
  for (const p of host.plugins().filter((x) => x.error)) progress(`Plugin ${p.name} is not loaded: ${p.error}`);
  const provider = configuredProvider(assistant);
  // With an embeddings provider: retrieval by meaning, and re-embedding in the background.
  const memory = await memoryOf(client);
  if (memory.provider) progress(`Memory: retrieval by meaning with ${memory.provider.model}`);
  const runner = new Agent({
    client,
    host,
    journalPath: join(auraHome(), 'agent-journal.json'),
    ...(provider ? { provider } : {}),
    ...(memory.provider ? { memory } : {}),
    ...(process.env.AURA_REEMBED_INTERVAL_MS
      ? { reembedIntervalMs: Number(process.env.AURA_REEMBED_INTERVAL_MS) }
      : {}),
    reconnect: { initialMs: 500, maxMs: Number(process.env.AURA_AGENT_RECONNECT_MAX_MS ?? 30_000) },
    log: (line) => progress(`${new Date().toISOString()} ${line}`),
  });
  progress(
    `Plugins: ${
      host
        .plugins()
        .filter((p) => p.plugin)
        .map((p) => p.name)
        .join(', ') || 'none'
    }`,
  );
  await runner.start();
  await new Promise<void>((resolve) => {
    const stop = () => {
      progress('Agent stopping…');
      void runner.stop().then(resolve);
    };
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
  });
});
