import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import type { Vault } from '@aura/client';
import { PluginError, PluginHost } from '../src/index.ts';
import { inputOfTool } from '../src/integrations/mcp-schema.ts';

// The host checks a step's parameters against the action's schema before any plugin runs it.
const dir = mkdtempSync(join(tmpdir(), 'aura-plugin-host-'));
const runs = join(dir, 'runs.log');
// Any use of the vault fails the test: a refused step must not reach its plugin.
const untouchable = new Proxy({} as Vault, {
  get: (_, property) => {
    throw new Error(`the vault was used (${String(property)})`);
  },
});
let host: PluginHost;
const context = (step: string) => ({ taskId: 't', stepId: step, idempotencyKey: `t/${step}` });
const refused = (name: string) => (e: unknown) => e instanceof PluginError && !e.retryable && e.message.includes(name);

before(async () => {
  writeFileSync(
    join(dir, 'plugins.yaml'),
    `plugins:\n  calendar: { enabled: true }\n  lists: { enabled: true }\n  counting:\n    module: ${JSON.stringify(fileURLToPath(new URL('./fixtures/counting-plugin.mjs', import.meta.url)))}\n    config: { file: ${JSON.stringify(runs)} }\npermissions: {}\n`,
  );
  host = await PluginHost.load(join(dir, 'plugins.yaml'), untouchable);
  assert.deepEqual(
    host.plugins().filter((p) => p.error),
    [],
  );
});

after(() => rmSync(dir, { recursive: true, force: true }));

describe('the plugin host', () => {
  it('refuses a bad parameter, naming it, before the plugin runs (and not retryably)', async () => {
    await assert.rejects(
      () => host.execute('calendar.create_event', { title: 'T', start: 'soonish', durationMinutes: 30 }, context('a')),
      refused('start'),
    );
    await assert.rejects(
      () =>
        host.execute(
          'calendar.create_event',
          { title: 'T', start: '2031-01-01T10:00:00Z', durationMinutes: '30' },
          context('b'),
        ),
      refused('durationMinutes'),
    );
    await assert.rejects(() => host.execute('lists.add_item', { list: 'shopping' }, context('c')), refused('item'));
    await assert.rejects(() => host.execute('test.slow', { ms: 'a while' }, context('d')), refused('ms'));
    assert.equal(existsSync(runs) ? readFileSync(runs, 'utf8') : '', '', 'the third-party plugin never ran');
  });

  it('runs a step whose parameters fit, with undeclared ones passed on', async () => {
    assert.deepEqual(await host.execute('test.slow', { ms: 0, note: 'extra' }, context('e')), { runs: 1 });
  });

  it("reads a manifest from a plugin written before manifests; approval follows the action's side effect", () => {
    const counting = host.plugins().find((p) => p.name === 'counting')?.plugin;
    assert.equal(counting?.manifest.name, 'counting');
    assert.deepEqual(
      counting?.manifest.actions.map((a) => [a.name, a.sideEffect]),
      [
        ['test.flaky', 'internal'],
        ['test.broken', 'internal'],
        ['test.slow', 'internal'],
      ],
    );
    assert.equal(host.needsApproval('test.slow'), false);
    assert.equal(host.needsApproval('calendar.create_event'), true);
    assert.equal(host.needsApproval('calendar.find_free_time'), false);
    assert.equal(host.needsApproval('no.such_action'), true, 'an action nobody declares is never run unasked');
  });

  it("checks an MCP tool's arguments against the JSON types and required properties the server lists", () => {
    const input = inputOfTool({
      name: 'search',
      inputSchema: {
        properties: { query: { type: 'string' }, limit: { type: 'integer' }, tags: { type: ['array', 'null'] } },
        required: ['query'],
      },
    });
    assert.equal(input.safeParse({ query: 'x', limit: 3, tags: null, other: { any: 1 } }).success, true);
    assert.equal(input.safeParse({ limit: 3 }).success, false, 'query is required');
    assert.equal(input.safeParse({ query: 'x', limit: 2.5 }).success, false, 'limit is an integer');
    assert.equal(input.safeParse({ query: 'x', tags: 'a' }).success, false);
  });
});
