import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { type EmbeddingsServer, MEMORY_SET, startEmbeddingsServer, topicVector } from '@aura/testing';
import { runAura, serverForCli } from './support/harness.ts';

// Issue 22's acceptance: `aura context search "dentist"` finds a note that never says "dentist"
// when an embeddings endpoint is configured (here a local server that speaks the OpenAI
// embeddings protocol, with fixed vectors), and keyword search still works without one.

const home = mkdtempSync(join(tmpdir(), 'aura-memory-'));
let cli: Awaited<ReturnType<typeof serverForCli>>;
let embeddings: EmbeddingsServer;
let withVectors: Record<string, string>;

type Hit = { id: string; data: { text: string }; confidence: number; via: string[]; embeddingModel?: string };

const aura = async (args: string[], env: Record<string, string> = {}, stdin = '') => {
  const run = await runAura(cli.server.url, home, args, { env, stdin });
  assert.equal(run.code, 0, `aura ${args.join(' ')}: ${run.stderr}`);
  return run;
};
const json = async <T>(args: string[], env: Record<string, string> = {}) =>
  JSON.parse((await aura(['--json', ...args], env)).stdout) as T;

before(async () => {
  [cli, embeddings] = await Promise.all([serverForCli(), startEmbeddingsServer((text) => topicVector(text))]);
  withVectors = { AURA_EMBEDDINGS_URL: embeddings.url, AURA_EMBEDDINGS_MODEL: 'fixed-topics' };
  await aura(
    ['register', '--email', `memory-${Date.now()}@example.com`, '--password-stdin'],
    {},
    'pw memory 123\npw memory 123\n',
  );
});
after(async () => {
  await Promise.all([cli?.stop(), embeddings?.close()]);
  rmSync(home, { recursive: true, force: true });
});

describe('aura context search by meaning, with an OpenAI-compatible embeddings endpoint (local protocol server)', () => {
  const ids = new Map<number, string>();

  it('context add stores each note with its vector, named by the model that made it', async () => {
    for (const c of MEMORY_SET) {
      const added = await json<Hit>(
        ['context', 'add', c.note, '--type', c.topic === 1 ? 'health' : 'note'],
        withVectors,
      );
      assert.equal(added.embeddingModel, 'openai:fixed-topics');
      ids.set(c.topic, added.id);
    }
    assert.deepEqual(
      embeddings.requests.map((r) => r.model),
      MEMORY_SET.map(() => 'fixed-topics'),
    );
  });

  it('"dentist" finds the note about Dr. Patel and teeth cleaning, which never says it', async () => {
    const hits = await json<Hit[]>(['context', 'search', 'dentist'], withVectors);
    assert.deepEqual(
      hits.map((h) => h.id),
      [ids.get(1)],
    );
    assert.equal(hits[0]?.data.text, 'Appointment with Dr. Patel on Thursday, teeth cleaning');
    assert.deepEqual(hits[0]?.via, ['meaning']);
    assert.ok((hits[0]?.confidence ?? 0) > 0.3);
    const table = await aura(['context', 'search', 'dentist'], withVectors);
    assert.match(table.stdout, /Appointment with Dr\. Patel.*meaning/);
    for (const c of MEMORY_SET) {
      const found = await json<Hit[]>(['context', 'search', c.query], withVectors);
      assert.equal(found[0]?.id, ids.get(c.topic), c.query);
      assert.equal(found[0]?.embeddingModel, 'openai:fixed-topics');
    }
  });

  it('keeps the decrypted index sealed in AURA_HOME/memory between commands, readable by the user alone', () => {
    const dir = join(home, 'memory');
    const files = readdirSync(dir);
    assert.equal(files.length, 1);
    const path = join(dir, files[0] ?? '');
    assert.equal(statSync(path).mode & 0o777, 0o600);
    const bytes = readFileSync(path).toString('latin1');
    for (const secret of ['Dr. Patel', 'fixed-topics', ids.get(1) ?? ''])
      assert.ok(!bytes.includes(secret), `the index file holds "${secret}"`);
  });

  it('--type filters both lists (the spec context_types)', async () => {
    assert.equal((await json<Hit[]>(['context', 'search', 'dentist', '--type', 'health'], withVectors)).length, 1);
    assert.deepEqual(await json<Hit[]>(['context', 'search', 'dentist', '--type', 'note'], withVectors), []);
  });

  it('without an endpoint, keyword search still works and "dentist" finds nothing', async () => {
    assert.deepEqual(await json<Hit[]>(['context', 'search', 'dentist']), []);
    const byWords = await json<Hit[]>(['context', 'search', 'teeth', 'cleaning']);
    assert.deepEqual(
      byWords.map((h) => [h.id, h.via, h.confidence]),
      [[ids.get(1), ['words'], 1]],
    );
  });

  it('aura ask --show-context shows the notes retrieved for the request, and that no model got them', async () => {
    const run = await aura(['ask', '--dry-run', '--show-context', 'dentist'], withVectors);
    assert.match(
      run.stdout,
      /Context retrieved \(sent to no model: none planned this request\):\n {2}- Appointment with Dr\. Patel/,
    );
    const without = await aura(['ask', '--dry-run', '--show-context', 'dentist']);
    assert.match(without.stdout, /Context: none retrieved/);
  });

  it('context reembed gives every note a vector of a new model, with progress; a second run has nothing to do', async () => {
    const next = { ...withVectors, AURA_EMBEDDINGS_MODEL: 'fixed-topics-2' };
    const before = await aura(['context', 'search', 'teeth'], next);
    assert.match(
      before.stderr,
      /12 of 12 notes have no vector of openai:fixed-topics-2 yet, so only words find them: run "aura context reembed"/,
    );
    const run = await aura(['context', 'reembed'], next);
    assert.match(run.stderr, /Re-embedding 12\/12/);
    assert.match(run.stderr, /12 of 12 re-embedded with openai:fixed-topics-2/);
    assert.deepEqual(await json(['context', 'reembed'], next), {
      reembedded: 0,
      total: 12,
      model: 'openai:fixed-topics-2',
    });
    const hits = await json<Hit[]>(['context', 'search', 'dentist'], next);
    assert.deepEqual(
      hits.map((h) => [h.id, h.embeddingModel]),
      [[ids.get(1), 'openai:fixed-topics-2']],
    );
    const none = await runAura(cli.server.url, home, ['context', 'reembed']);
    assert.equal(none.code, 2, none.stderr);
    assert.match(none.stderr, /no embeddings provider is configured/);
  });

  it('with the endpoint down, words alone find, and the command says so', async () => {
    const down = { AURA_EMBEDDINGS_URL: 'http://127.0.0.1:9/v1' };
    const run = await aura(['context', 'search', 'teeth'], down);
    assert.match(run.stdout, /Appointment with Dr\. Patel/);
    assert.match(run.stderr, /by words only: the embeddings endpoint could not be used/);
    const added = await json<Hit>(['context', 'add', 'a note while the endpoint is down'], down);
    assert.equal(added.embeddingModel, undefined);
  });
});
