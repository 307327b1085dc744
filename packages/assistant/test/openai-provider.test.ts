import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import { after, before, describe, it } from 'node:test';
import { isAuraError } from '@aura/errors';
import { junkJson } from '@aura/testing';
import { decide, openAiProvider } from '../src/index.ts';

// No model can be downloaded here: a local HTTP server speaks the OpenAI chat-completions
// protocol and answers what each test scripts, so the provider's protocol handling is real.
let server: Server;
let url = '';
const script: ((body: {
  messages: { content: string }[];
  response_format: { json_schema: { schema: unknown } };
}) => { status: number; body: unknown } | 'hang')[] = [];
const seen: unknown[] = [];

before(async () => {
  server = createServer(async (req, res) => {
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    const body = JSON.parse(Buffer.concat(chunks).toString());
    seen.push({ path: req.url, body });
    const next = script.shift() ?? (() => ({ status: 500, body: { error: 'no script' } }));
    const answer = next(body);
    if (answer === 'hang') return; // never answers
    res.writeHead(answer.status, { 'content-type': 'application/json' });
    res.end(JSON.stringify(answer.body));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  url = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}/v1`;
});
after(() => new Promise<void>((resolve) => server.close(() => resolve())));

const reply = (content: string) => () => ({
  status: 200,
  body: { choices: [{ message: { role: 'assistant', content } }] },
});
const findPeople = async () => [{ id: 'p1', name: 'John Appleseed', email: 'john@example.com' }];
const now = new Date(2026, 10, 24, 9);

describe('openai provider, against a local server that speaks the OpenAI protocol', () => {
  it('sends a JSON-schema request with the intents as an enum, and uses the answer', async () => {
    script.push(reply('{"intent":"calendar_set","confidence":0.93}'), reply('{"steps":[]}'));
    const provider = openAiProvider({ baseUrl: url, model: 'test-model' });
    const d = await decide('Schedule a meeting with John tomorrow at 3pm', { now, findPeople, provider });
    assert.equal(d.intent, 'calendar_set');
    assert.equal(d.confidence, 0.93);
    assert.ok(d.reasoning.includes('openai:test-model read the request.'));
    const request = seen.findLast(
      (r) =>
        (r as { body: { response_format: { json_schema: { name: string } } } }).body.response_format.json_schema
          .name === 'intent',
    ) as {
      path: string;
      body: {
        model: string;
        response_format: { type: string; json_schema: { schema: { properties: { intent: { enum: string[] } } } } };
      };
    };
    assert.equal(request.path, '/v1/chat/completions');
    assert.equal(request.body.model, 'test-model');
    assert.equal(request.body.response_format.type, 'json_schema');
    assert.equal(request.body.response_format.json_schema.schema.properties.intent.enum.length, 64);
  });

  it('retries a 5xx and then succeeds', async () => {
    script.push(() => ({ status: 503, body: {} }), reply('{"intent":"alarm_set","confidence":0.8}'));
    const result = await openAiProvider({ baseUrl: url, model: 'm', retries: 2 }).classify('wake me at 6', [
      'alarm_set',
      'calendar_set',
    ]);
    assert.deepEqual(result, { intent: 'alarm_set', confidence: 0.8 });
  });

  it('malformed model output never crashes: decide falls back to the builtin model', async () => {
    for (const content of [
      '{"intent":"launch_missiles","confidence":1}',
      '{"confidence":0.5}',
      ...junkJson.map((j) => j.value),
    ]) {
      script.push(reply(content));
      const d = await decide('Schedule a meeting with John tomorrow at 3pm', {
        now,
        findPeople,
        provider: openAiProvider({ baseUrl: url, model: 'm' }),
      });
      assert.equal(d.intent, 'calendar_set', 'the builtin model answered');
      assert.ok(
        d.reasoning.some((r) => r.includes('the builtin model answered instead')),
        content.slice(0, 80),
      );
    }
  });

  it('an endpoint that is down, or too slow, is a clear AURA_PROVIDER_UNAVAILABLE', async () => {
    const down = openAiProvider({ baseUrl: 'http://127.0.0.1:9/v1', model: 'm', retries: 1 });
    await assert.rejects(
      () => down.classify('hello', ['greeting']),
      (e: unknown) => isAuraError(e, 'AURA_PROVIDER_UNAVAILABLE') && /no answer from/.test(e.message),
    );
    script.push(() => 'hang');
    const slow = openAiProvider({ baseUrl: url, model: 'm', timeoutMs: 200, retries: 0 });
    await assert.rejects(
      () => slow.classify('hello', ['greeting']),
      (e: unknown) => isAuraError(e, 'AURA_PROVIDER_UNAVAILABLE'),
    );
  });
});

describe('model-made plans, against the same local protocol server', () => {
  const valid = {
    steps: [
      {
        id: 'a',
        action: 'calendar.find_free_time',
        params: { start: '2026-11-25T15:00:00.000Z', durationMinutes: 45 },
        dependsOn: [],
      },
      {
        id: 'b',
        action: 'calendar.create_event',
        params: { title: 'Planning with John', start: '2026-11-25T15:00:00.000Z', durationMinutes: 45 },
        dependsOn: ['a'],
      },
    ],
  };
  const ask = () =>
    decide('Schedule a meeting with John tomorrow at 3pm', {
      now,
      findPeople,
      provider: openAiProvider({ baseUrl: url, model: 'planner' }),
    });

  it('a plan that fits the action schemas is used, with approval marks from Aura, not the model', async () => {
    script.push(reply('{"intent":"calendar_set","confidence":0.9}'), reply(JSON.stringify(valid)));
    const d = await ask();
    assert.deepEqual(
      d.plan.map((s) => [s.id, s.action, s.requiresApproval]),
      [
        ['a', 'calendar.find_free_time', false],
        ['b', 'calendar.create_event', true],
      ],
    );
    assert.ok(d.reasoning.some((r) => r.includes('checked against the action schemas')));
  });

  it('an invalid plan (unknown action, wrong parameter, cycle, garbage) falls back to the template', async () => {
    const bad = [
      { steps: [{ id: 'a', action: 'bank.transfer_money', params: {}, dependsOn: [] }] },
      { steps: [{ id: 'a', action: 'calendar.create_event', params: { start: 'next blursday' }, dependsOn: [] }] },
      { steps: [{ id: 'a', action: 'calendar.create_event', params: { colour: 'red' }, dependsOn: [] }] },
      {
        steps: [
          { id: 'a', action: 'calendar.find_free_time', params: {}, dependsOn: ['b'] },
          { id: 'b', action: 'calendar.create_event', params: {}, dependsOn: ['a'] },
        ],
      },
      { nothing: true },
    ];
    for (const plan of [...bad.map((p) => JSON.stringify(p)), ...junkJson.map((j) => j.value)]) {
      script.push(reply('{"intent":"calendar_set","confidence":0.9}'), reply(plan));
      const d = await ask();
      assert.deepEqual(
        d.plan.map((s) => s.action),
        ['calendar.find_free_time', 'calendar.create_event', 'email.send_invitation'],
        plan.slice(0, 80),
      );
      assert.ok(
        d.reasoning.some((r) => r.includes('template plan')),
        plan.slice(0, 80),
      );
    }
  });
});
