import assert from 'node:assert/strict';
import { after, before, it } from 'node:test';
import {
  arbitraryFromSchema,
  dumpDatabase,
  type Inject,
  type JsonSchema,
  junk,
  junkJson,
  junkStrings,
  type Mutant,
  mutantFromSchema,
  startTestServer,
  type TestServer,
  TestUser,
} from '@aura/testing';
import { Ajv, type ValidateFunction } from 'ajv';
import addFormatsModule from 'ajv-formats';
import fc from 'fast-check';
import type { InjectOptions, LightMyRequestResponse } from 'fastify';
import WebSocket from 'ws';
import { ROUTE_ERRORS } from '../src/http/openapi.ts';

/**
 * The OpenAPI document as a contract (what schemathesis checks, done here with fast-check): every
 * operation in it is called with requests generated from its own schemas, valid and mutated,
 * with and without a session, and every answer must be documented for that operation (status,
 * content type, body schema, error code), and never a 5xx. The operations come from the document,
 * so a new route is checked the day it is added.
 */

// ajv-formats is CommonJS: under NodeNext the default import is its module.exports, whose
// `default` property is the plugin (it sets both).
const addFormats = addFormatsModule.default;

interface Parameter {
  name: string;
  in: 'path' | 'query' | 'header' | 'cookie';
  required?: boolean;
  schema: JsonSchema;
}
interface Answer {
  description: string;
  content?: Record<string, { schema: JsonSchema }>;
  'x-aura-codes'?: string[];
}
interface Operation {
  method: string;
  path: string;
  parameters?: Parameter[];
  requestBody?: { content: Record<string, { schema: JsonSchema }> };
  responses: Record<string, Answer>;
  security?: unknown[];
  'x-websocket'?: { serverMessages: { schema: JsonSchema } };
}
interface Document {
  paths: Record<string, Record<string, Omit<Operation, 'method' | 'path'>>>;
  components: Record<string, unknown>;
}

type Auth = 'user' | 'none' | 'bogus' | { token: string };
/** One request, as data: what was sent, and how it was made (for a failure report). */
interface Sent {
  path: Record<string, unknown>;
  query: Record<string, unknown>;
  body?: { json: unknown } | { raw: string; type?: string };
  auth: Auth;
  how: string;
}

const BODY_METHODS = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);
/** A token of the right form that no server ever signed. */
const BOGUS_TOKEN = 'eyJhbGciOiJFZERTQSJ9.eyJzdWIiOiJub2JvZHkifQ.c2lnbmF0dXJl';
// Bounded so the whole file stays within the suite's time budget (about a minute).
const RUNS_PER_OPERATION = Number(process.env.AURA_CONTRACT_RUNS ?? 60);
const SEED = Number(process.env.AURA_CONTRACT_SEED ?? Date.now() % 2 ** 31);

let server: TestServer;
let port = 0;
let user: TestUser;
let doc: Document;
let operations: Operation[];
/** The user's own rows, by the path prefix that names them: path parameters are sometimes these. */
const own = new Map<string, string>();

const COLLECTIONS = {
  contexts: '/api/v1/context',
  relationships: '/api/v1/relationships',
  'learning-events': '/api/v1/learning-events',
} as const;

async function storeRecords(): Promise<void> {
  for (const [collection, base] of Object.entries(COLLECTIONS)) {
    const record = user.record(collection, `something worth keeping in ${collection}`);
    const res = await server.app.inject({ method: 'POST', url: base, headers: user.auth, payload: record });
    assert.equal(res.statusCode, 201, res.body);
    own.set(base, record.id);
  }
}

before(async () => {
  server = await startTestServer();
  const address = await server.app.listen({ host: '127.0.0.1', port: 0 });
  port = Number(new URL(address).port);
  const inject: Inject = (o) => server.app.inject(o);
  user = await new TestUser(inject).register();
  await user.login();
  own.set('/api/v1/devices', user.deviceId);
  await storeRecords();
  const res = await server.app.inject({ method: 'GET', url: '/api/docs/json' });
  assert.equal(res.statusCode, 200);
  doc = res.json();
  operations = Object.entries(doc.paths).flatMap(([path, byMethod]) =>
    Object.entries(byMethod).map(([method, operation]) => ({ ...operation, method: method.toUpperCase(), path })),
  );
});
after(() => server?.close());

// --- The document's schemas, compiled once each ---------------------------------------------------

const ajv = addFormats(new Ajv({ strict: false, allErrors: true, unicodeRegExp: false }));
let registered = false;
const validators = new Map<string, ValidateFunction>();

/** A validator for a schema of the document; its `#/components/…` references resolve into the document. */
function validator(schema: JsonSchema): ValidateFunction {
  if (!registered) {
    ajv.addSchema({ $id: 'aura-openapi', components: doc.components });
    registered = true;
  }
  const text = JSON.stringify(schema).replaceAll('"#/components/', '"aura-openapi#/components/');
  let found = validators.get(text);
  if (!found) {
    found = ajv.compile(JSON.parse(text));
    validators.set(text, found);
  }
  return found;
}

const matches = (schema: JsonSchema, value: unknown) => validator(schema)(value);

// --- Requests ---------------------------------------------------------------------------------------

const asText = (value: unknown): string => (typeof value === 'string' ? value : (JSON.stringify(value) ?? ''));
/** A URL cannot carry an unpaired surrogate: it goes as the replacement character, as a browser sends it. */
const wellFormed = (text: string) => Buffer.from(text, 'utf8').toString('utf8');
const encode = (value: unknown) => encodeURIComponent(wellFormed(asText(value)));

function toInject(op: Operation, sent: Sent): InjectOptions {
  const path = op.path.replace(/\{(\w+)\}/g, (_, name: string) => encode(sent.path[name]));
  const query = new URLSearchParams(
    Object.entries(sent.query).map(([k, v]) => [wellFormed(k), wellFormed(asText(v))]),
  ).toString();
  const headers: Record<string, string> = {};
  if (sent.auth === 'user') Object.assign(headers, user.auth);
  else if (sent.auth === 'bogus') headers.authorization = `Bearer ${BOGUS_TOKEN}`;
  else if (typeof sent.auth === 'object') headers.authorization = `Bearer ${sent.auth.token}`;
  let payload: string | undefined;
  if (sent.body && 'json' in sent.body) {
    headers['content-type'] = 'application/json';
    payload = JSON.stringify(sent.body.json) ?? 'null';
  } else if (sent.body) {
    headers['content-type'] = sent.body.type ?? 'application/json';
    payload = sent.body.raw;
  }
  return {
    method: op.method as InjectOptions['method'],
    url: query ? `${path}?${query}` : path,
    headers,
    ...(payload === undefined ? {} : { payload }),
  };
}

const parameters = (op: Operation, where: Parameter['in']) => (op.parameters ?? []).filter((p) => p.in === where);
const bodySchema = (op: Operation) => op.requestBody?.content['application/json']?.schema;
const streams = (op: Operation) => Boolean(op.responses['200']?.content?.['text/event-stream']);

function mutantOr(schema: JsonSchema): fc.Arbitrary<Mutant> | undefined {
  try {
    return mutantFromSchema(schema, { root: doc });
  } catch {
    return undefined; // a schema that accepts anything has nothing to break
  }
}

/** Requests for one operation: half valid by its schemas, half with one thing broken. */
function requestsFor(op: Operation): fc.Arbitrary<Sent> {
  const options = { root: doc };
  const inPath = parameters(op, 'path');
  const inQuery = parameters(op, 'query');
  const mine = [...own.values(), user.userId];
  const path = fc.record(
    Object.fromEntries(
      inPath.map((p) => [
        p.name,
        fc.oneof(
          { weight: 3, arbitrary: arbitraryFromSchema(p.schema, options) },
          { weight: 1, arbitrary: fc.constantFrom(...mine) },
        ),
      ]),
    ),
  );
  const query = fc.record(Object.fromEntries(inQuery.map((p) => [p.name, arbitraryFromSchema(p.schema, options)])), {
    requiredKeys: inQuery.filter((p) => p.required).map((p) => p.name),
  });
  const schema = bodySchema(op);
  const body = schema
    ? arbitraryFromSchema(schema, options).map((json) => ({ json }) as Sent['body'])
    : fc.constant(undefined);
  const auth = fc.constantFrom<Auth>('user', 'user', 'none', 'bogus');
  const valid: fc.Arbitrary<Sent> = fc.record({ path, query, body, auth, how: fc.constant('valid') });

  const broken: fc.Arbitrary<Sent>[] = [];
  for (const p of inPath) {
    const m = mutantOr(p.schema);
    if (m)
      broken.push(
        fc.tuple(valid, m).map(([s, { value, mutation }]) => ({
          ...s,
          path: { ...s.path, [p.name]: value },
          how: `path ${p.name}: ${mutation}`,
        })),
      );
  }
  for (const p of inQuery) {
    const m = mutantOr(p.schema);
    if (m)
      broken.push(
        fc.tuple(valid, m).map(([s, { value, mutation }]) => ({
          ...s,
          query: { ...s.query, [p.name]: value },
          how: `query ${p.name}: ${mutation}`,
        })),
      );
    if (p.required)
      broken.push(
        valid.map((s) => {
          const { [p.name]: _dropped, ...rest } = s.query;
          return { ...s, query: rest, how: `query without required ${p.name}` };
        }),
      );
  }
  if (inQuery.length > 0)
    broken.push(
      fc
        .tuple(valid, fc.string({ minLength: 1, maxLength: 12 }), junk.string())
        .filter(([, key]) => !inQuery.some((p) => p.name === key))
        .map(([s, key, value]) => ({ ...s, query: { ...s.query, [key]: value }, how: `an unknown query key ${key}` })),
    );
  const m = schema ? mutantOr(schema) : undefined;
  if (m)
    broken.push(fc.tuple(valid, m).map(([s, { value, mutation }]) => ({ ...s, body: { json: value }, how: mutation })));
  if (BODY_METHODS.has(op.method)) {
    broken.push(fc.tuple(valid, junk.json()).map(([s, raw]) => ({ ...s, body: { raw }, how: 'a junk JSON text' })));
    broken.push(
      fc
        .tuple(valid, fc.constantFrom('text/plain', 'application/x-www-form-urlencoded', 'application/xml'))
        .map(([s, type]) => ({ ...s, body: { raw: 'a=1', type }, how: `a ${type} body` })),
    );
  }
  if (broken.length === 0) return valid;
  return fc.oneof(
    { weight: broken.length, arbitrary: valid },
    ...broken.map((arbitrary) => ({ weight: 1, arbitrary })),
  );
}

// --- Answers ----------------------------------------------------------------------------------------

interface Received {
  status: number;
  type: string;
  body: string;
}

function documentedAnswer(op: Operation, status: number): Answer | undefined {
  return op.responses[String(status)] ?? op.responses[`${String(status)[0]}XX`] ?? op.responses.default;
}

/** What is wrong with an answer, by the document: schemathesis's checks, and the error code. */
function conformance(op: Operation, sent: Sent | undefined, answer: Received): string[] {
  const problems: string[] = [];
  const { status } = answer;
  if (status >= 500) problems.push('not_a_server_error');
  if (sent && op.security && sent.auth !== 'user' && status < 300)
    problems.push('security: answered without a valid session');
  const documented = documentedAnswer(op, status);
  if (!documented) {
    problems.push(`status_code_conformance: ${status} is not one of ${Object.keys(op.responses).join(', ')}`);
    return problems;
  }
  if (!documented.content) {
    if (answer.body.length > 0) problems.push(`response_schema_conformance: ${status} documents no body`);
    return problems;
  }
  const media = documented.content[answer.type];
  if (!media) {
    problems.push(
      `content_type_conformance: ${answer.type || 'no content-type'}, not ${Object.keys(documented.content).join(', ')}`,
    );
    return problems;
  }
  let value: unknown = answer.body;
  if (answer.type === 'application/json') {
    try {
      value = JSON.parse(answer.body);
    } catch {
      problems.push('response_schema_conformance: the body is not JSON');
      return problems;
    }
  }
  const validate = validator(media.schema);
  if (!validate(value)) problems.push(`response_schema_conformance: ${ajv.errorsText(validate.errors)}`);
  const codes = documented['x-aura-codes'];
  const code = (value as { error?: { code?: unknown } } | null)?.error?.code;
  if (codes && !codes.includes(String(code)))
    problems.push(`error_code_conformance: ${code} not in ${codes.join(', ')}`);
  return problems;
}

const short = (text: string, max = 300) => (text.length > max ? `${text.slice(0, max)}… (${text.length} chars)` : text);

function describeRequest(op: Operation, sent: Sent): string {
  const request = toInject(op, sent);
  const auth = typeof sent.auth === 'object' ? `token ${JSON.stringify(short(sent.auth.token, 60))}` : sent.auth;
  const body = request.payload === undefined ? '' : ` body ${JSON.stringify(short(String(request.payload)))}`;
  return `${op.method} ${short(String(request.url), 200)} [${auth}; ${sent.how}]${body}`;
}

/** Failures, grouped by operation and kind, with the smallest request that showed each. */
class Findings {
  readonly #found = new Map<string, { count: number; example: string }>();

  record(op: Operation, sent: Sent, answer: Received, problems: string[]) {
    for (const problem of problems) {
      const kind = problem.split(':')[0];
      const code = answer.type === 'application/json' ? /"code":"(\w+)"/.exec(answer.body)?.[1] : undefined;
      const key = `${op.method} ${op.path} | ${kind} | ${answer.status} ${code ?? ''}`.trim();
      const example = `${describeRequest(op, sent)}\n    -> ${answer.status} ${answer.type} ${short(answer.body)}\n    ${problem}`;
      const seen = this.#found.get(key);
      if (!seen) this.#found.set(key, { count: 1, example });
      else {
        seen.count++;
        if (example.length < seen.example.length) seen.example = example;
      }
    }
  }

  of(op: Operation): string[] {
    return [...this.#found]
      .filter(([key]) => key.startsWith(`${op.method} ${op.path} |`))
      .map(([key, { count, example }]) => `${key} (x${count})\n    ${example}`);
  }

  all(): string[] {
    return [...this.#found].map(([key, { count, example }]) => `${key} (x${count})\n    ${example}`);
  }
}

/** Sends a request; an event stream is read to its first event and then closed by this side. */
async function send(op: Operation, sent: Sent): Promise<Received> {
  const options = toInject(op, sent);
  if (!streams(op)) {
    const res = await server.app.inject(options);
    return received(res, res.body);
  }
  const res = await server.app.inject({ ...options, payloadAsStream: true });
  const stream = res.stream();
  const first = await new Promise<string>((resolve, reject) => {
    let text = '';
    stream.on('data', (chunk: Buffer) => {
      text += String(chunk);
      if (res.headers['content-type'] !== 'text/event-stream' || text.includes('\n\n')) resolve(text);
    });
    stream.once('end', () => resolve(text));
    stream.once('error', reject);
  });
  stream.destroy();
  res.raw.res.destroy();
  return received(res, first);
}

function received(res: LightMyRequestResponse, body: string): Received {
  const type = String(res.headers['content-type'] ?? '')
    .split(';')[0]
    ?.trim()
    .toLowerCase();
  return { status: res.statusCode, type: type ?? '', body };
}

/** Logs the user back in when a generated request ended the session (logout, revoke-all). */
async function keepSession(): Promise<void> {
  const res = await server.app.inject({ method: 'GET', url: '/api/v1/auth/session', headers: user.auth });
  if (res.statusCode === 401) {
    const login = await user.login();
    assert.equal(login.statusCode, 200, login.body);
  }
}

// --- The contract -------------------------------------------------------------------------------------

it('the document lists every route with its error answers, and names only routes that exist', () => {
  const routes = new Set(operations.map((op) => `${op.method} ${op.path.replace(/\{(\w+)\}/g, ':$1')}`));
  for (const key of Object.keys(ROUTE_ERRORS)) assert.ok(routes.has(key), `ROUTE_ERRORS names ${key}, no route`);
  assert.ok(
    operations.some((op) => op['x-websocket']),
    'the agent WebSocket is in the document',
  );
  for (const op of operations) {
    const where = `${op.method} ${op.path}`;
    const statuses = Object.keys(op.responses);
    assert.ok(
      statuses.some((s) => /^[12]/.test(s)),
      `${where} documents a success`,
    );
    for (const status of ['400', '500']) assert.ok(statuses.includes(status), `${where} documents ${status}`);
    if (op.security) assert.ok(statuses.includes('401'), `${where} needs a session and documents 401`);
    if (BODY_METHODS.has(op.method))
      for (const status of ['413', '415']) assert.ok(statuses.includes(status), `${where} documents ${status}`);
    for (const [status, answer] of Object.entries(op.responses)) {
      if (Number(status) < 400) continue;
      assert.deepEqual(
        answer.content?.['application/json']?.schema,
        { $ref: '#/components/schemas/ErrorBody' },
        `${where} ${status}`,
      );
      assert.ok(answer['x-aura-codes']?.length, `${where} ${status} names its codes`);
    }
  }
  // A route that answers 204 documents 204, with no body.
  const deletion = doc.paths['/api/v1/context/{id}']?.delete;
  assert.ok(deletion?.responses['204'] && !deletion.responses['204'].content && !deletion.responses['200']);
});

it('property: every operation answers generated requests only as its document says', async (t) => {
  const findings = new Findings();
  for (const op of operations) {
    await t.test(`${op.method} ${op.path}`, async () => {
      await fc.assert(
        fc.asyncProperty(requestsFor(op), async (sent) => {
          const answer = await send(op, sent);
          findings.record(op, sent, answer, conformance(op, sent, answer));
        }),
        { numRuns: RUNS_PER_OPERATION, seed: SEED },
      );
      await keepSession();
      const found = findings.of(op);
      assert.equal(found.length, 0, `seed ${SEED}:\n${found.join('\n')}`);
    });
  }
});

/** The WebSocket's answer: its first frame once open, or the HTTP answer that refused it. */
function connect(headers: Record<string, string>): Promise<{ frame: unknown } | Received> {
  return new Promise((resolve, reject) => {
    const socket = new WebSocket(`ws://127.0.0.1:${port}/api/v1/agent/connect`, { headers });
    socket.once('message', (data) => {
      resolve({ frame: JSON.parse(String(data)) });
      socket.terminate();
    });
    socket.once('unexpected-response', (request, response) => {
      let body = '';
      response.on('data', (chunk: Buffer) => {
        body += String(chunk);
      });
      response.once('end', () => {
        request.destroy();
        const type = String(response.headers['content-type'] ?? '').split(';')[0] ?? '';
        resolve({ status: response.statusCode ?? 0, type: type.trim().toLowerCase(), body });
      });
    });
    socket.once('error', reject);
  });
}

it('the agent WebSocket opens with a documented frame, and refuses as documented', async () => {
  const op = operations.find((o) => o.path === '/api/v1/agent/connect');
  assert.ok(op?.['x-websocket'], 'the WebSocket is in the document');
  assert.ok(
    operations.find((o) => o.path === '/api/v1/notifications/connect')?.['x-websocket'],
    'so is the notification WebSocket',
  );
  assert.ok(op.responses['101'], '101 Switching Protocols is documented');
  await keepSession();
  const opened = await connect(user.auth);
  assert.ok('frame' in opened, `the user's device connects: ${JSON.stringify(opened)}`);
  const frames = op['x-websocket'].serverMessages.schema;
  assert.ok(
    matches(frames, opened.frame),
    `${JSON.stringify(opened.frame)}: ${ajv.errorsText(validator(frames).errors)}`,
  );
  for (const headers of [{}, { authorization: `Bearer ${BOGUS_TOKEN}` }] as Record<string, string>[]) {
    const refused = await connect(headers);
    assert.ok(!('frame' in refused), 'no session, no channel');
    assert.equal(refused.status, 401);
    assert.deepEqual(conformance(op, undefined, refused), []);
  }
});

// --- The shared junk table at every input of every operation (issue 14, point 3) ---------------------

interface JunkCase {
  readonly sent: Sent;
  readonly name: string;
}

/** A request the document accepts, made once per operation: the junk replaces one part of it. */
function baseline(op: Operation): Sent {
  const options = { root: doc };
  const sample = <T>(arbitrary: fc.Arbitrary<T>): T => fc.sample(arbitrary, { numRuns: 1, seed: 42 })[0] as T;
  const prefix = [...own.keys()].find((p) => op.path.startsWith(`${p}/{`));
  const path = Object.fromEntries(
    parameters(op, 'path').map((p, i) => [
      p.name,
      // A real row of the user's where the path names one, so a refused write would have had something to change.
      i === 0 && prefix ? own.get(prefix) : sample(arbitraryFromSchema(p.schema, options)),
    ]),
  );
  const query = Object.fromEntries(
    parameters(op, 'query')
      .filter((p) => p.required)
      .map((p) => [p.name, sample(arbitraryFromSchema(p.schema, options))]),
  );
  const schema = bodySchema(op);
  const body = schema ? { json: sample(arbitraryFromSchema(schema, options)) } : undefined;
  return { path, query, auth: 'user', how: 'baseline', ...(body ? { body } : {}) };
}

const isJson = (text: string) => {
  try {
    JSON.parse(text);
    return true;
  } catch {
    return false;
  }
};

function junkCases(op: Operation): JunkCase[] {
  const base = baseline(op);
  const cases: JunkCase[] = [];
  for (const p of parameters(op, 'path'))
    for (const j of junkStrings)
      cases.push({ name: `path ${p.name}: ${j.name}`, sent: { ...base, path: { ...base.path, [p.name]: j.value } } });
  for (const p of parameters(op, 'query'))
    for (const j of junkStrings)
      cases.push({
        name: `query ${p.name}: ${j.name}`,
        sent: { ...base, query: { ...base.query, [p.name]: j.value } },
      });
  const schema = bodySchema(op);
  if (BODY_METHODS.has(op.method)) {
    for (const j of junkJson) {
      // Not junk for this operation: a text its document accepts (or, with no body, any JSON text).
      if (isJson(j.value) && (!schema || matches(schema, JSON.parse(j.value)))) continue;
      cases.push({ name: `body: ${j.name}`, sent: { ...base, body: { raw: j.value } } });
    }
  }
  const json = base.body && 'json' in base.body ? base.body.json : undefined;
  if (json && typeof json === 'object' && !Array.isArray(json)) {
    const properties = Object.keys((schema as { properties?: object }).properties ?? {});
    for (const key of properties)
      for (const j of junkStrings)
        cases.push({ name: `body.${key}: ${j.name}`, sent: { ...base, body: { json: { ...json, [key]: j.value } } } });
  }
  const withAuth = op.security ? cases.flatMap((c) => [c, { ...c, sent: { ...c.sent, auth: 'none' as Auth } }]) : cases;
  if (op.security)
    for (const j of junkStrings)
      withAuth.push({ name: `token: ${j.name}`, sent: { ...base, auth: { token: j.value } } });
  return withAuth;
}

/** Whether a header value is one no HTTP client can send (Node refuses to build the request). */
const unsendable = (error: unknown) =>
  ['ERR_INVALID_CHAR', 'ERR_HTTP_INVALID_HEADER_VALUE'].includes(String((error as { code?: unknown }).code));

it('property: the shared junk table at every input of every operation gets a 4xx with an AURA_ code, and nothing stored changes', async () => {
  await keepSession();
  own.clear();
  own.set('/api/v1/devices', user.deviceId);
  await storeRecords();
  const stored = rows(await dumpDatabase(server.db.url));
  const findings = new Findings();
  let sent = 0;
  for (const op of operations) {
    for (const { name, sent: request } of junkCases(op)) {
      let answer: Received;
      try {
        answer = await send(op, { ...request, how: name });
      } catch (error) {
        if (unsendable(error)) continue;
        throw error;
      }
      sent++;
      const problems = conformance(op, { ...request, how: name }, answer);
      if (answer.status < 400 || answer.status >= 500) problems.push(`junk: answered ${answer.status}, not a 4xx`);
      else if (!/"code":"AURA_[A-Z_]+"/.test(answer.body)) problems.push('junk: the answer has no AURA_ code');
      findings.record(op, { ...request, how: name }, answer, problems);
    }
  }
  assert.ok(sent > 1000, `${sent} junk requests`);
  const found = findings.all();
  const now = rows(await dumpDatabase(server.db.url));
  const changed = now === stored ? [] : diffLines(stored, now);
  assert.deepEqual(
    { failures: found, changedRows: changed },
    { failures: [], changedRows: [] },
    `${found.join('\n')}\n${changed.join('\n')}`,
  );
});

/** A dump without pg_dump's \\restrict lines, whose key is new on every run. */
const rows = (dump: string) =>
  dump
    .split('\n')
    .filter((line) => !/^\\(un)?restrict /.test(line))
    .join('\n');

/** Lines of a dump that are in one and not the other, for a failure message. */
function diffLines(before: string, after: string): string[] {
  const a = new Set(before.split('\n'));
  const b = new Set(after.split('\n'));
  return [
    ...[...a].filter((l) => !b.has(l)).map((l) => `- ${short(l, 200)}`),
    ...[...b].filter((l) => !a.has(l)).map((l) => `+ ${short(l, 200)}`),
  ].slice(0, 40);
}
