import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import { after, before, describe, it } from 'node:test';
import { generateAccountKey, generateEd25519KeyPair, generateX25519KeyPair } from '@aura/crypto';
import { isAuraError } from '@aura/errors';
import { NoContent, OkResponse, toBase64 } from '@aura/protocol';
import { HUGE, junkJson } from '@aura/testing';
import fc from 'fast-check';
import { AuditVerifier } from '../src/audit.ts';
import { listDevices } from '../src/devices.ts';
import { Api, fetchTransport, type Transport } from '../src/http.ts';
import { AuraClient, MemoryStateStore, readAgentFrame, Tasks } from '../src/index.ts';
import { emptyLedger, Ledger } from '../src/ledger.ts';
import { nodeTransport } from '../src/node.ts';
import type { DeviceState } from '../src/state.ts';
import { Support } from '../src/support.ts';
import { Vault } from '../src/vault.ts';

/**
 * A server that answers one route with whatever a case says, and every other route with an
 * honest "not found": what reaches the client is exactly the answer under test.
 */
let answer: { method: string; path: string; status: number; body: string } | undefined;
const notFound = JSON.stringify({ error: { code: 'AURA_NOT_FOUND', message: 'no such route' } });
const server = createServer(async (req, res) => {
  for await (const _ of req);
  const hit = answer && req.method === answer.method && req.url?.split('?')[0] === answer.path;
  // The log size every vault answer names, so a record's answer gets as far as the history check.
  res.writeHead(hit && answer ? answer.status : 404, { 'content-type': 'application/json', 'aura-log-size': '0' });
  res.end(hit && answer ? answer.body : notFound);
});
let url = '';
before(async () => {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  url = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`;
});
after(() => new Promise<void>((resolve) => server.close(() => resolve())));

const id = () => crypto.randomUUID();
const bytes = (n: number, fill = 7) => toBase64(new Uint8Array(n).fill(fill));
const now = new Date().toISOString();
const recordId = id();
const requestId = id();
/** A device and a support agent as the server lists them, well formed. */
const device = {
  id: id(),
  name: 'laptop',
  sealingPublicKey: bytes(32),
  signingPublicKey: bytes(32),
  createdAt: now,
  revokedAt: null,
  certificate: null,
};
const agent = {
  id: id(),
  name: 'Dana',
  sealingPublicKey: bytes(32),
  signingPublicKey: bytes(32),
  operatorSignature: bytes(64),
};

/** How the SDK under test sends its requests; each describe below picks one. */
let transport: Transport = fetchTransport;

/** The SDK's objects over one Api, with keys of their own (nothing here talks to a real server). */
function sdk() {
  const api = new Api(url, transport);
  api.tokens = { accessToken: 'access-token-for-the-test', refreshToken: 'refresh-token-for-the-test' };
  const userId = id();
  const accountKey = generateAccountKey();
  const sealing = generateX25519KeyPair();
  const signing = generateEd25519KeyPair();
  const device: DeviceState = {
    server: url,
    deviceId: id(),
    sealing: { secretKey: toBase64(sealing.secretKey), publicKey: toBase64(sealing.publicKey) },
    signing: { secretKey: toBase64(signing.secretKey), publicKey: toBase64(signing.publicKey) },
  };
  const ledger = new Ledger(api, userId, {}, emptyLedger(), async () => {}, device.deviceId ?? null, accountKey);
  const vault = new Vault(api, userId, accountKey, {}, ledger, null);
  return {
    api,
    tasks: new Tasks(api, userId, accountKey, device),
    vault,
    audit: new AuditVerifier(api, accountKey, {}, userId, async () => {}),
    support: new Support(api, device, undefined, { userId, deviceId: device.deviceId ?? null }, () => vault),
  };
}

interface Case {
  name: string;
  method: string;
  path: string;
  /** An answer the protocol allows: the call then goes on (and may fail later, for its own reasons). */
  valid: unknown;
  call: () => Promise<unknown>;
}

const client = () => AuraClient.open({ server: url, store: new MemoryStateStore(), transport });

const cases: Case[] = [
  {
    name: 'login (srp/init)',
    method: 'POST',
    path: '/api/v1/auth/srp/init',
    // Below the floor, so a well-formed answer ends in the floor's refusal, before any Argon2id.
    valid: {
      challengeId: id(),
      kdf: { seed: bytes(16), params: { algorithm: 'argon2id', t: 1, m: 1024, p: 1 } },
      B: bytes(256),
    },
    call: async () => (await client()).login('someone@example.com', 'a password'),
  },
  {
    name: 'enrollment request',
    method: 'POST',
    path: '/api/v1/devices/enrollments',
    valid: { enrollmentId: id(), expiresAt: now },
    call: async () => (await client()).requestEnrollment('someone@example.com', 'phone'),
  },
  {
    name: 'device list',
    method: 'GET',
    path: '/api/v1/devices',
    valid: { devices: [device] },
    call: () => listDevices(sdk().api),
  },
  {
    name: 'task list',
    method: 'GET',
    path: '/api/v1/tasks',
    valid: {
      tasks: [
        {
          id: id(),
          status: 'running',
          request: bytes(60),
          reason: null,
          createdAt: now,
          updatedAt: now,
          steps: 2,
          waitingApproval: 0,
        },
      ],
    },
    call: () => sdk().tasks.list(),
  },
  {
    name: "the agent's claimed work",
    method: 'POST',
    path: '/api/v1/agent/claim',
    valid: {
      dispatches: [
        { taskId: id(), stepId: 's1', attempt: 1, requiresApproval: false, ciphertext: bytes(60), approval: null },
      ],
      requests: [{ id: id(), ciphertext: bytes(60), createdAt: now }],
    },
    call: () => sdk().tasks.claim(),
  },
  {
    name: 'a request done',
    method: 'POST',
    path: `/api/v1/agent/requests/${requestId}/done`,
    valid: { ok: true },
    call: () => sdk().tasks.requestDone(requestId),
  },
  {
    name: 'support requests',
    method: 'GET',
    path: '/api/v1/support/requests',
    valid: {
      requests: [
        {
          id: id(),
          ticket: 'TICKET-1',
          createdAt: now,
          status: 'pending',
          agent,
        },
      ],
    },
    call: () => sdk().support.requests(),
  },
  {
    name: 'the audit log key',
    method: 'GET',
    path: '/api/v1/audit/log-key',
    valid: { name: 'aura-log', publicKey: bytes(32), origin: 'aura.example/log' },
    call: () => sdk().audit.sync(),
  },
  {
    name: 'a vault record',
    method: 'GET',
    path: `/api/v1/context/${recordId}`,
    valid: {
      id: recordId,
      version: 1,
      encryptedType: null,
      encryptedData: bytes(60),
      encryptedEmbedding: null,
      searchTokens: [],
      checksum: bytes(32),
      nonce: bytes(24),
      createdAt: now,
      updatedAt: now,
      expiresAt: null,
    },
    call: () => sdk().vault.get('contexts', recordId),
  },
];

/** A value of another JSON type than `value`. */
const wrongType = (value: unknown): unknown => {
  if (Array.isArray(value)) return {};
  if (value === null) return 7;
  if (typeof value === 'object') return [];
  if (typeof value === 'string') return 12345;
  if (typeof value === 'number') return 'twelve';
  return 'yes';
};

/** Every body one step away from `valid`: each field missing, each of another type, an unknown field. */
function nearMisses(valid: unknown, path = ''): [string, unknown][] {
  const out: [string, unknown][] = [];
  if (Array.isArray(valid) && valid.length > 0) {
    for (const [what, inner] of nearMisses(valid[0], `${path}[0]`)) out.push([what, [inner, ...valid.slice(1)]]);
  } else if (typeof valid === 'object' && valid !== null) {
    const object = valid as Record<string, unknown>;
    out.push([`${path || 'the body'} with an unknown field`, { ...object, unexpected: true }]);
    for (const key of Object.keys(object)) {
      const { [key]: value, ...rest } = object;
      out.push([`${path}.${key} missing`, rest]);
      out.push([`${path}.${key} of another type`, { ...object, [key]: wrongType(value) }]);
      for (const [what, inner] of nearMisses(value, `${path}.${key}`)) out.push([what, { ...object, [key]: inner }]);
    }
  }
  return out;
}

/** The shared table of texts that are not the JSON expected, as 200s, and error answers that are not Aura's. */
const junk: [string, number, string][] = [
  ...junkJson.map(({ name, value }): [string, number, string] => [name, 200, value]),
  ['an error with an empty body', 500, ''],
  ['an error that is not JSON', 502, '<html>Bad Gateway</html>'],
  ['an error without the error object', 400, '{"message":"bad"}'],
  ['an error with a code no Aura build has', 404, '{"error":{"code":"AURA_NO_SUCH_CODE","message":"x"}}'],
  ['an error with a code that is not a string', 409, '{"error":{"code":409,"message":"conflict"}}'],
  ['an error without a message', 404, '{"error":{"code":"AURA_NOT_FOUND"}}'],
  ['an unauthenticated error of the wrong shape', 401, '{"error":"AURA_UNAUTHENTICATED"}'],
];

const isMisbehaved = (e: unknown) => isAuraError(e, 'AURA_SERVER_MISBEHAVED');

// Both ways the SDK sends requests read answers through the same checks: fetch (browsers, the
// default) and node:http (the command line and the agent).
for (const [over, chosen] of [
  ['fetch', fetchTransport],
  ['node:http', nodeTransport],
] as const) {
  describe(`a server that answers what the protocol does not allow (over ${over})`, () => {
    before(() => {
      transport = chosen;
    });
    for (const c of cases) {
      it(`${c.name}: a well-formed answer goes through, every malformed one is AURA_SERVER_MISBEHAVED`, async () => {
        answer = { method: c.method, path: c.path, status: 200, body: JSON.stringify(c.valid) };
        const outcome = await c.call().then(
          () => 'resolved',
          (e: unknown) => e,
        );
        assert.ok(
          outcome === 'resolved' || (isAuraError(outcome) && !isMisbehaved(outcome)),
          `the well-formed answer was refused: ${String(outcome)}`,
        );

        const bodies: [string, number, string][] = [
          ...junk,
          ...nearMisses(c.valid).map(([what, body]): [string, number, string] => [what, 200, JSON.stringify(body)]),
          [
            'a huge body with an unknown field',
            200,
            JSON.stringify({ ...(c.valid as object), padding: 'x'.repeat(HUGE) }),
          ],
        ];
        for (const [what, status, body] of bodies) {
          answer = { method: c.method, path: c.path, status, body };
          await assert.rejects(c.call, (e: unknown) => {
            assert.ok(isMisbehaved(e), `${what}: ${String(e)}`);
            // The message names the route, so a person knows which answer was wrong.
            assert.match((e as Error).message, new RegExp(c.path.replace(/[/]/g, '\\/')), what);
            return true;
          });
        }
      });
    }

    it('bytes the client decodes: an answer of the right shape whose base64 is not base64 is AURA_SERVER_MISBEHAVED', async () => {
      const taskId = id();
      const grantId = id();
      const task = {
        id: taskId,
        status: 'running',
        request: bytes(60),
        reason: null,
        createdAt: now,
        updatedAt: now,
        steps: [],
      };
      const grant = {
        id: grantId,
        userId: id(),
        agentId: id(),
        deviceId: id(),
        deviceSigningPublicKey: bytes(32),
        categories: ['contexts'],
        validFrom: now,
        validUntil: now,
        revokedAt: null,
        grantObject: '{}',
        signature: bytes(64),
        sealedKey: bytes(80),
      };
      const bad: [string, string, string, (text: string) => unknown, () => Promise<unknown>][] = [
        [
          "a task's request",
          'GET',
          `/api/v1/tasks/${taskId}`,
          (text) => ({ ...task, request: text }),
          () => sdk().tasks.show(taskId),
        ],
        [
          "a listed task's request",
          'GET',
          '/api/v1/tasks',
          (text) => ({ tasks: [{ ...task, steps: 0, waitingApproval: 0, request: text }] }),
          () => sdk().tasks.list(),
        ],
        [
          "a device's signing key",
          'GET',
          '/api/v1/devices',
          (text) => ({ devices: [{ ...device, signingPublicKey: text }] }),
          () => listDevices(sdk().api),
        ],
        [
          "a device's certificate",
          'GET',
          '/api/v1/devices',
          (text) => ({ devices: [{ ...device, certificate: text }] }),
          () => listDevices(sdk().api),
        ],
        [
          "a support agent's signing key",
          'GET',
          '/api/v1/support/requests',
          (text) => ({
            requests: [
              {
                id: id(),
                ticket: 'T-1',
                createdAt: now,
                status: 'pending',
                agent: { ...agent, signingPublicKey: text },
              },
            ],
          }),
          () => sdk().support.requests(),
        ],
        [
          "a grant's device key",
          'GET',
          `/api/v1/support/grants/${grantId}/records`,
          (text) => ({ grant: { ...grant, deviceSigningPublicKey: text }, records: [] }),
          () => sdk().support.read(grantId),
        ],
        [
          "a grant's signature",
          'GET',
          `/api/v1/support/grants/${grantId}/records`,
          (text) => ({ grant: { ...grant, signature: text }, records: [] }),
          () => sdk().support.read(grantId),
        ],
        [
          "a grant's sealed key",
          'GET',
          '/api/v1/support/grants',
          (text) => ({ grants: [{ ...grant, sealedKey: text }] }),
          () => sdk().support.grants(),
        ],
      ];
      // Each would have thrown atob's DOMException (or decoded to the wrong bytes) past the parse.
      for (const [what, method, path, body, call] of bad) {
        for (const text of ['not base64!', 'AAA', 'AA=A', 'AAAA\n']) {
          answer = { method, path, status: 200, body: JSON.stringify(body(text)) };
          await assert.rejects(call, (e: unknown) => {
            assert.ok(isMisbehaved(e), `${what} ${JSON.stringify(text)}: ${String(e)}`);
            assert.match((e as Error).message, /must be standard base64/, what);
            return true;
          });
        }
      }
    });

    it('a 204 has no body: an empty answer is what a delete expects, and not what anything else does', async () => {
      const { api } = sdk();
      answer = { method: 'DELETE', path: '/api/v1/things/1', status: 204, body: '' };
      assert.equal(await api.delete('/api/v1/things/1', NoContent), undefined);
      await assert.rejects(() => api.delete('/api/v1/things/1', OkResponse), isMisbehaved);
      answer = { method: 'DELETE', path: '/api/v1/things/1', status: 200, body: '{"ok":true}' };
      await assert.rejects(() => api.delete('/api/v1/things/1', NoContent), isMisbehaved);
    });

    it('an Aura error body keeps its code and its message', async () => {
      const { tasks } = sdk();
      answer = {
        method: 'GET',
        path: '/api/v1/tasks',
        status: 429,
        body: JSON.stringify({ error: { code: 'AURA_RATE_LIMITED', message: 'slow down' } }),
      };
      await assert.rejects(
        () => tasks.list(),
        (e: unknown) => isAuraError(e, 'AURA_RATE_LIMITED') && e.message === 'slow down',
      );
    });

    it('property: whatever JSON (or not) a route answers, with whatever status, the client throws only AuraErrors', async () => {
      const { tasks } = sdk();
      await fc.assert(
        fc.asyncProperty(
          fc.constantFrom(200, 201, 204, 400, 401, 404, 409, 500, 502),
          fc.oneof(
            fc.json(),
            fc.string(),
            fc.json().map((json) => `{"tasks":[${json}]}`),
          ),
          async (status, body) => {
            answer = { method: 'GET', path: '/api/v1/tasks', status, body };
            await tasks.list().catch((e: unknown) => {
              if (!isAuraError(e)) throw e;
            });
          },
        ),
        { numRuns: 200 },
      );
    });
  });
}

describe('the agent channel', () => {
  const dispatch = {
    taskId: id(),
    stepId: 's1',
    attempt: 1,
    requiresApproval: false,
    ciphertext: bytes(60),
    approval: null,
  };

  it('reads every frame the server sends', () => {
    assert.deepEqual(readAgentFrame('{"type":"hello","pending":true}'), { type: 'hello', pending: true });
    assert.deepEqual(readAgentFrame(JSON.stringify({ type: 'dispatch', dispatch })), { type: 'dispatch', dispatch });
    const request = { id: id(), ciphertext: bytes(60) };
    assert.deepEqual(readAgentFrame(JSON.stringify({ type: 'request', request })), { type: 'request', request });
  });

  it('refuses a frame that is not JSON, of an unknown type, or malformed, with AURA_SERVER_MISBEHAVED', () => {
    const frames = [
      '',
      'hello',
      '{"type":',
      'null',
      '[]',
      '{}',
      '{"type":"shutdown"}',
      '{"type":"dispatch"}',
      JSON.stringify({ type: 'dispatch', dispatch: { ...dispatch, attempt: 'one' } }),
      JSON.stringify({ type: 'dispatch', dispatch, extra: 1 }),
      JSON.stringify({ type: 'request', request: { id: 'not-a-uuid', ciphertext: bytes(60) } }),
      JSON.stringify({ type: 'request', request: { id: id(), ciphertext: 'not base64!' } }),
      JSON.stringify({ type: 'hello', pending: 'yes' }),
    ];
    for (const frame of frames) assert.throws(() => readAgentFrame(frame), isMisbehaved, frame);
  });

  it('property: any JSON frame is read or refused with an AuraError, never anything else', () => {
    fc.assert(
      fc.property(fc.oneof(fc.json(), fc.string()), (frame) => {
        try {
          readAgentFrame(frame);
        } catch (e) {
          if (!isAuraError(e)) throw e;
        }
      }),
      { numRuns: 1000 },
    );
  });
});
