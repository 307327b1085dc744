import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { PluginError } from '../src/index.ts';
import { McpPlugin } from '../src/integrations/mcp.ts';

// A third-party MCP server from npm (@modelcontextprotocol/server-memory), over stdio.
const dir = mkdtempSync(join(tmpdir(), 'aura-mcp-'));
const server = fileURLToPath(new URL('../../../node_modules/.bin/mcp-server-memory', import.meta.url));
let plugin: McpPlugin;

before(async () => {
  plugin = new McpPlugin('memory');
  await plugin.initialize({
    command: server,
    args: [],
    env: { MEMORY_FILE_PATH: join(dir, 'memory.jsonl') },
    readOnly: ['read_graph', 'search_nodes'],
  });
});
after(async () => {
  await plugin?.close();
  rmSync(dir, { recursive: true, force: true });
});

it("an MCP server's tools become actions; approval comes from Aura's policy, not the server's hints", async () => {
  const actions = new Map(plugin.manifest.actions.map((a) => [a.name, a]));
  assert.ok(actions.has('mcp.memory.create_entities'));
  assert.equal(actions.get('mcp.memory.create_entities')?.sideEffect, 'external', 'needs approval by default');
  assert.equal(actions.get('mcp.memory.read_graph')?.sideEffect, 'none', 'the user marked it read-only');
  assert.equal(actions.get('mcp.memory.delete_entities')?.sideEffect, 'external');
  assert.match((await plugin.validateCredentials()).message, /tools \(.*create_entities/);
});

it('calls tools with their arguments and returns what they answer', async () => {
  await plugin.executeAction('mcp.memory.create_entities', {
    entities: [{ name: 'John Appleseed', entityType: 'person', observations: ['prefers afternoons'] }],
  });
  const graph = (await plugin.executeAction('mcp.memory.read_graph', {})) as { text: string };
  assert.match(graph.text, /John Appleseed/);
  assert.match(graph.text, /prefers afternoons/);
  await assert.rejects(
    () => plugin.executeAction('mcp.memory.no_such_tool', {}),
    (e: unknown) => e instanceof PluginError && /has no tool/.test(e.message),
  );
  const broken = new McpPlugin('broken');
  await assert.rejects(
    () => broken.initialize({ command: join(dir, 'not-there') }),
    (e: unknown) => e instanceof PluginError && /cannot start or reach MCP server "broken"/.test(e.message),
  );
});
