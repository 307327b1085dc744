import assert from 'node:assert/strict';
import { join } from 'node:path';
import {
  type AuraClient,
  AuraClient as Client,
  MemoryStateStore,
  type StateStore,
  type TaskDetail,
} from '@aura/client';
import { startTestServer, type TestServer, waitFor } from '@aura/testing';
import { Agent, type PluginHost } from '../../src/index.ts';

// What the agent's end-to-end suites set up alike: the real server running tasks with DBOS, an
// account's devices enrolled from one it has, an agent over a home, and a wait for a task to end.

/** The real server with DBOS, listening on a loopback port for the SDK's fetch and the agent's socket. */
export async function orchestratedServer(env: Record<string, string>): Promise<TestServer & { url: string }> {
  const server = await startTestServer(env, { orchestration: true });
  return Object.assign(server, { url: await server.app.listen({ host: '127.0.0.1', port: 0 }) });
}

/** A new device of the account at `address`, approved from a device the account already has. */
export async function enroll(
  existing: AuraClient,
  server: string,
  address: string,
  name: string,
  store: StateStore = new MemoryStateStore(),
): Promise<AuraClient> {
  const device = await Client.open({ server, store });
  const ticket = await device.requestEnrollment(address, name);
  await existing.approveEnrollment(ticket.code);
  await ticket.wait({ intervalMs: 50 });
  return device;
}

/** An agent on `device`, its journal in `home`, started once every plugin of `host` has loaded. */
export async function startAgent(device: AuraClient, host: PluginHost, home: string): Promise<Agent> {
  assert.deepEqual(
    host.plugins().filter((p) => p.error),
    [],
  );
  const agent = new Agent({ client: device, host, journalPath: join(home, 'journal.json'), log: () => {} });
  await agent.start();
  return agent;
}

export const ENDED = ['completed', 'failed', 'cancelled'];

/** The task once it has ended, as `client` reads it; `explain` says what went on if it does not. */
export function ended(client: AuraClient, taskId: string, explain: () => string): Promise<TaskDetail> {
  return waitFor(
    async () => {
      const t = await client.tasks.show(taskId);
      return ENDED.includes(t.status) ? t : undefined;
    },
    60_000,
    explain,
  );
}
