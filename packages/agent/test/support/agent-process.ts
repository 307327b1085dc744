// One agent in a process of its own, over the Aura home given (state.json, plugins.yaml, the
// journal), so that a test can kill it with SIGKILL and start another over the same home.
// Usage: node --import tsx agent-process.ts HOME SERVER_URL
import { join } from 'node:path';
import { AuraClient } from '@aura/client';
import { FileStateStore } from '@aura/client/node';
import { Agent, PluginHost } from '../../src/index.ts';

const [home, server] = process.argv.slice(2);
if (!home || !server) throw new Error('usage: agent-process.ts HOME SERVER_URL');
const client = await AuraClient.open({ server, store: new FileStateStore(join(home, 'state.json')) });
const host = await PluginHost.load(join(home, 'plugins.yaml'), client.vault);
for (const p of host.plugins().filter((x) => x.error)) process.stderr.write(`Plugin ${p.name}: ${p.error}\n`);
const agent = new Agent({
  client,
  host,
  journalPath: join(home, 'journal.json'),
  log: (line) => process.stderr.write(`${line}\n`),
  reconnect: { initialMs: 100, maxMs: 500 },
});
await agent.start();
process.on('SIGTERM', () => void agent.stop().then(() => process.exit(0)));
