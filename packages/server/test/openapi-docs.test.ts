import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { startTestServer, type TestServer } from '@aura/testing';

/**
 * The OpenAPI document reads as documentation, not only as a schema: every operation says what
 * it does and what it answers when it fails. The operations come from the served document, so a
 * route added without a summary, a description or a tag fails here the day it is added.
 */

interface Operation {
  summary?: string;
  description?: string;
  tags?: string[];
  responses: Record<string, { description?: string; 'x-aura-codes'?: string[] }>;
}
interface Document {
  info: { description?: string };
  tags?: { name: string; description?: string }[];
  paths: Record<string, Record<string, Operation>>;
}

/** Enough for two plain sentences; a restated summary is shorter. */
const MIN_DESCRIPTION = 40;
const MAX_SUMMARY = 80;

let server: TestServer;
let doc: Document;
let operations: { name: string; op: Operation }[];

before(async () => {
  server = await startTestServer();
  const res = await server.app.inject({ method: 'GET', url: '/api/docs/json' });
  assert.equal(res.statusCode, 200, res.body);
  doc = res.json();
  operations = Object.entries(doc.paths).flatMap(([path, byMethod]) =>
    Object.entries(byMethod).map(([method, op]) => ({ name: `${method.toUpperCase()} ${path}`, op })),
  );
});
after(() => server?.close());

describe('the OpenAPI document as documentation', () => {
  it('lists the routes of every module', () => {
    // Far fewer would mean the routes were hidden or the document was cut, not that all is well.
    assert.ok(operations.length >= 70, `only ${operations.length} operations in the document`);
  });

  it('gives every operation a short imperative summary', () => {
    const bad = operations.filter(({ op }) => {
      const summary = op.summary?.trim() ?? '';
      return summary.length === 0 || summary.length > MAX_SUMMARY || /[.:]$/.test(summary) || !/^[A-Z]/.test(summary);
    });
    assert.deepEqual(
      bad.map((o) => `${o.name}: ${JSON.stringify(o.op.summary)}`),
      [],
      `a summary is one capitalised line of at most ${MAX_SUMMARY} characters, without a final period`,
    );
  });

  it('gives every operation a summary of its own', () => {
    const seen = new Map<string, string>();
    for (const { name, op } of operations) {
      const other = seen.get(op.summary ?? '');
      assert.equal(other, undefined, `${name} and ${other} share the summary "${op.summary}"`);
      seen.set(op.summary ?? '', name);
    }
  });

  it('gives every operation a description in sentences', () => {
    const bad = operations.filter(({ op }) => {
      const description = op.description?.trim() ?? '';
      return description.length < MIN_DESCRIPTION || description === op.summary || !/[.)]$/.test(description);
    });
    assert.deepEqual(
      bad.map((o) => `${o.name}: ${JSON.stringify(o.op.description)}`),
      [],
      `a description says in at least ${MIN_DESCRIPTION} characters, in full sentences, more than the summary`,
    );
  });

  it('documents every failure: each operation has a 4xx answer, and every error answer names its codes', () => {
    for (const { name, op } of operations) {
      const statuses = Object.keys(op.responses);
      assert.ok(
        statuses.some((s) => /^4\d\d$/.test(s)),
        `${name} documents no 4xx answer (${statuses.join(', ')})`,
      );
      for (const status of statuses.filter((s) => /^[45]\d\d$/.test(s))) {
        const codes = op.responses[status]?.['x-aura-codes'] ?? [];
        assert.ok(codes.length > 0, `${name} answers ${status} without naming its error codes`);
        assert.ok(op.responses[status]?.description, `${name} ${status} has no description`);
      }
    }
  });

  it('puts every operation under a tag the document describes', () => {
    const described = new Map((doc.tags ?? []).map((t) => [t.name, t.description ?? '']));
    for (const { name, op } of operations) {
      assert.ok(op.tags?.length, `${name} has no tag`);
      for (const tag of op.tags ?? [])
        assert.ok(described.get(tag), `${name} is tagged "${tag}", which the document's tags do not describe`);
    }
    const used = new Set(operations.flatMap(({ op }) => op.tags ?? []));
    assert.deepEqual(
      [...described.keys()].filter((t) => !used.has(t)),
      [],
      'a described tag no operation uses',
    );
  });

  it('points from the front page to the WebSocket frames and the error codes', () => {
    assert.match(doc.info.description ?? '', /docs\/agent-websocket\.md/);
    assert.match(doc.info.description ?? '', /docs\/errors\.md/);
  });
});
