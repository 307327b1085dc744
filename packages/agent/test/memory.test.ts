import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { type AuraClient, AuraClient as Client, Memory, MemoryStateStore } from '@aura/client';
import { AuraError } from '@aura/errors';
import { MEMORY_SET, type TestServer, topicVector, waitFor } from '@aura/testing';
import { Agent, DEFAULT_PLUGINS_YAML, PluginHost } from '../src/index.ts';
import { enroll, orchestratedServer } from './support/account.ts';

// The agent, a device that stays up, re-embeds in the background after a change of model (and
// for records other devices wrote without a vector), and retrieves by meaning for the requests
// it plans, reading what other devices wrote since.

const v1 = { model: 'test:v1', embed: async (texts: readonly string[]) => texts.map((t) => topicVector(t)) };

let server: TestServer & { url: string };
let laptop: AuraClient;
let agentDevice: AuraClient;
const home = mkdtempSync(join(tmpdir(), 'aura-agent-memory-'));
const address = `agent-memory-${crypto.randomUUID()}@example.com`;
const patel = MEMORY_SET[0] as (typeof MEMORY_SET)[number];
let patelId = '';

before(async () => {
  server = await orchestratedServer({});
  laptop = await Client.open({ server: server.url, store: new MemoryStateStore() });
  await laptop.register(address, 'agent memory pw');
  agentDevice = await enroll(laptop, server.url, address, 'agent');
  writeFileSync(join(home, 'plugins.yaml'), DEFAULT_PLUGINS_YAML);
  const old = new Memory(laptop.vault, v1);
  for (const c of MEMORY_SET) {
    const record = await old.remember('contexts', { text: c.note });
    if (c === patel) patelId = record.id;
  }
  // Written by a device whose endpoint was down: no vector at all.
  await laptop.vault.put('relationships', { name: 'John Appleseed', notes: 'dentist friend' });
});
after(async () => {
  await server?.close();
  rmSync(home, { recursive: true, force: true });
});

describe('the agent and memory', () => {
  it('re-embeds every record for a new model in the background, with progress, resuming after the endpoint failed', async () => {
    let calls = 0;
    const v2 = {
      model: 'test:v2',
      embed: async (texts: readonly string[]) => {
        // The endpoint is down for the first call of the pass: the pass pauses, then resumes.
        if (++calls === 1)
          throw new AuraError('AURA_PROVIDER_UNAVAILABLE', 'the embeddings endpoint could not be used');
        return texts.map((t) => topicVector(t));
      },
    };
    const lines: string[] = [];
    const host = await PluginHost.load(join(home, 'plugins.yaml'), agentDevice.vault);
    const agent = new Agent({
      client: agentDevice,
      host,
      journalPath: join(home, 'journal.json'),
      log: (line) => lines.push(line),
      memory: new Memory(agentDevice.vault, v2),
      reembed: { retryMs: 50 },
    });
    await agent.start();
    try {
      await agent.reembedded();
      assert.ok(
        lines.some((l) => /^Re-embedding paused \(the embeddings endpoint could not be used\); it resumes/.test(l)),
        lines.join('\n'),
      );
      assert.ok(
        lines.includes(`Re-embedding notes with test:v2: ${MEMORY_SET.length}/${MEMORY_SET.length}`),
        lines.join('\n'),
      );
      assert.ok(lines.includes('Re-embedding people with test:v2: 1/1'), lines.join('\n'));
      assert.ok(lines.some((l) => /^Re-embedding done: \d+ records have vectors of test:v2\.$/.test(l)));
      for (const record of await laptop.vault.list('contexts')) assert.equal(record.embedding?.model, 'test:v2');
      assert.equal((await laptop.vault.list('relationships'))[0]?.embedding?.model, 'test:v2');

      // A request another device posts is planned with the notes nearest it, including one
      // written after the agent first read the vault.
      const late = await new Memory(laptop.vault, v2).remember('contexts', {
        text: 'Biscuit the dog needs a new collar',
      });
      for (const [text, expected] of [
        [patel.query, patelId],
        ['Biscuit the dog needs a new collar', late.id],
      ] as const) {
        await laptop.tasks.postRequest(text);
        const decision = await waitFor(
          async () =>
            (await laptop.vault.list('learning-events')).find(
              (e) => e.data.kind === 'decision' && e.data.text === text,
            ),
          30_000,
          () => `no decision for "${text}"`,
          100,
        );
        const output = decision.data.output as { retrieved?: string[] };
        assert.equal(output.retrieved?.[0], expected, text);
        assert.equal(decision.embedding?.model, 'test:v2', 'the learning event carries its vector');
      }
    } finally {
      await agent.stop();
    }
  });
});
