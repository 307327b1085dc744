import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import { after, before, describe, it } from 'node:test';
import { AuraClient, Memory, MemoryStateStore } from '@aura/client';
import {
  type EmbeddingsServer,
  MEMORY_SET,
  startEmbeddingsServer,
  startTestServer,
  type TestServer,
  topicVector,
} from '@aura/testing';
import { openAiEmbeddings, openAiProvider, understand } from '../src/index.ts';

// The reasoning engine retrieves the notes nearest a request and, with an LLM configured, passes
// them in its planning prompt; the decision's encrypted learning event records which notes went
// to which model. Both endpoints are local servers that speak the OpenAI protocols.

const REQUEST = 'Schedule a meeting with John tomorrow at 3pm';
const PATEL = MEMORY_SET[0]?.note ?? '';

let server: TestServer;
let embeddings: EmbeddingsServer;
let llm: Server;
let llmUrl = '';
const prompts: { messages: { role: string; content: string }[]; response_format: { json_schema: { name: string } } }[] =
  [];
let client: AuraClient;
let memory: Memory;
let patelId = '';

before(async () => {
  server = await startTestServer();
  const url = await server.app.listen({ host: '127.0.0.1', port: 0 });
  // The request's fixed vector is the query "dentist"'s: nearest the Patel note.
  embeddings = await startEmbeddingsServer((text) => topicVector(text === REQUEST ? 'dentist' : text));
  llm = createServer(async (req, res) => {
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    const body = JSON.parse(Buffer.concat(chunks).toString());
    prompts.push(body);
    const content =
      body.response_format.json_schema.name === 'intent'
        ? '{"intent":"calendar_set","confidence":0.9}'
        : '{"steps":[]}';
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(JSON.stringify({ choices: [{ message: { role: 'assistant', content } }] }));
  });
  await new Promise<void>((resolve) => llm.listen(0, '127.0.0.1', resolve));
  const address = llm.address();
  llmUrl = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}/v1`;
  client = await AuraClient.open({ server: url, store: new MemoryStateStore() });
  await client.register(`retrieval-${crypto.randomUUID()}@example.com`, 'retrieval password 1');
  memory = new Memory(client.vault, openAiEmbeddings({ baseUrl: embeddings.url, model: 'fixed' }));
  await client.vault.put('relationships', { name: 'John Appleseed', email: 'john@example.com' });
  for (const c of MEMORY_SET) {
    const record = await memory.remember('contexts', { text: c.note });
    if (c.note === PATEL) patelId = record.id;
  }
});
after(async () => {
  await new Promise<void>((resolve) => llm.close(() => resolve()));
  await embeddings.close();
  await server.close();
});

describe('the reasoning engine retrieves context for a request', () => {
  it('passes the top note to the planning model and records which note went to which model', async () => {
    prompts.length = 0;
    const provider = openAiProvider({ baseUrl: llmUrl, model: 'test-model' });
    const { decision, decisionId } = await understand(client.vault, REQUEST, { provider, memory });
    assert.deepEqual(
      decision.retrieved?.map((r) => r.id),
      [patelId],
    );
    assert.equal(decision.contextSentTo, 'openai:test-model');
    const plan = prompts.find((p) => p.response_format.json_schema.name === 'plan');
    assert.ok(plan, 'the model was asked to plan');
    assert.ok(plan.messages.some((m) => m.content.includes(`- ${PATEL}`)));
    // Only the retrieved note: no other note went into any prompt.
    for (const c of MEMORY_SET.slice(1))
      assert.ok(!prompts.some((p) => p.messages.some((m) => m.content.includes(c.note))));
    const event = await client.vault.get('learning-events', decisionId);
    const output = event.data.output as { retrieved?: string[]; contextSentTo?: string | null };
    assert.deepEqual(output.retrieved, [patelId]);
    assert.equal(output.contextSentTo, 'openai:test-model');
  });

  it("the decision's learning event is sealed with the request's vector, from the one call retrieval made", async () => {
    embeddings.requests.length = 0;
    const fresh = new Memory(client.vault, openAiEmbeddings({ baseUrl: embeddings.url, model: 'fixed' }));
    const { decisionId } = await understand(client.vault, REQUEST, { memory: fresh });
    assert.deepEqual(embeddings.requests, [{ model: 'fixed', input: [REQUEST] }]);
    const event = await client.vault.get('learning-events', decisionId);
    assert.equal(event.embedding?.model, 'openai:fixed');
    assert.deepEqual(event.embedding?.vector, topicVector('dentist'));
    // Past requests are found by meaning as notes are.
    const hits = await fresh.search('learning-events', REQUEST, { words: false });
    assert.ok(hits.some((h) => h.record.id === decisionId));
  });

  it('without an LLM the notes are retrieved but go to no model, and the event says so', async () => {
    prompts.length = 0;
    const { decision, decisionId } = await understand(client.vault, REQUEST, { memory });
    assert.deepEqual(
      decision.retrieved?.map((r) => r.id),
      [patelId],
    );
    assert.equal(decision.contextSentTo, undefined);
    assert.equal(prompts.length, 0);
    const output = (await client.vault.get('learning-events', decisionId)).data.output as { contextSentTo?: unknown };
    assert.equal(output.contextSentTo, null);
  });

  it('without memory nothing is retrieved and the prompt holds no notes', async () => {
    prompts.length = 0;
    const provider = openAiProvider({ baseUrl: llmUrl, model: 'test-model' });
    const { decision } = await understand(client.vault, REQUEST, { provider });
    assert.equal(decision.retrieved, undefined);
    assert.ok(!prompts.some((p) => p.messages.some((m) => m.content.includes('notes'))));
  });
});
