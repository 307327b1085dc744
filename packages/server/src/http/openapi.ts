import { type ErrorCode, errorCodes } from '@aura/errors';
import { AgentFrame, ErrorBody, Notification, NotificationFrame } from '@aura/protocol';
import type { SwaggerTransform, SwaggerTransformObject } from '@fastify/swagger';
import type { FastifyInstance, FastifySchema, RouteOptions } from 'fastify';
import { jsonSchemaTransform } from 'fastify-type-provider-zod';
import * as z from 'zod';

/**
 * Completes the OpenAPI document that @fastify/swagger builds from the routes' schemas. A route
 * declares its inputs and its success answer; the error answers are the same few for every route
 * that can reach them (the gateway, the error handler and requireAuth answer them, not the route),
 * so they are derived here from what the route is, and only what a route's own code throws is
 * listed per route, in ROUTE_ERRORS or in the route's schema under `x-aura-errors`.
 *
 * Each error response names its codes in `x-aura-codes` (and in its description); the operation
 * carries the whole map as `x-aura-codes` too, so a client or a contract test reads one place.
 */

type Codes = readonly ErrorCode[];

/** What the code behind a route throws, beyond what every route of its kind can answer. */
const VAULT_BASES = ['/api/v1/context', '/api/v1/relationships', '/api/v1/learning-events'];
const VAULT_WRITE: Codes = ['AURA_CONFLICT', 'AURA_DEVICE_REQUIRED'];
export const ROUTE_ERRORS: Readonly<Record<string, Codes>> = {
  'GET /metrics': ['AURA_UNAUTHENTICATED'],
  'GET /ready': ['AURA_NOT_READY'],
  'POST /api/v1/auth/register': ['AURA_ACCOUNT_EXISTS', 'AURA_CONFLICT'],
  'POST /api/v1/auth/srp/verify': [
    'AURA_AUTH_CHALLENGE_INVALID',
    'AURA_CRYPTO_SRP_BAD_PROOF',
    'AURA_CRYPTO_SRP_BAD_PUBLIC_VALUE',
    'AURA_UNAUTHENTICATED',
  ],
  'POST /api/v1/auth/refresh': ['AURA_REFRESH_TOKEN_INVALID', 'AURA_REFRESH_TOKEN_REUSED', 'AURA_SESSION_REVOKED'],
  'PUT /api/v1/auth/password': ['AURA_CONFLICT'],
  'DELETE /api/v1/devices/:id': ['AURA_DEVICE_REQUIRED', 'AURA_LAST_DEVICE'],
  'GET /api/v1/audit/checkpoint': ['AURA_NOT_FOUND'],
  'GET /api/v1/audit/consistency': ['AURA_NOT_FOUND'],
  'GET /api/v1/audit/entries': ['AURA_NOT_FOUND'],
  'POST /api/v1/support/agents': ['AURA_SUPPORT_NOT_CONFIGURED', 'AURA_SUPPORT_AGENT_UNTRUSTED'],
  'POST /api/v1/support/requests': ['AURA_FORBIDDEN'],
  'POST /api/v1/support/grants': ['AURA_FORBIDDEN', 'AURA_NOT_FOUND', 'AURA_SUPPORT_GRANT_INVALID', 'AURA_CONFLICT'],
  'GET /api/v1/support/grants/:id/records': ['AURA_FORBIDDEN', 'AURA_SUPPORT_GRANT_INACTIVE', 'AURA_CONFLICT'],
  ...Object.fromEntries(
    VAULT_BASES.flatMap((base) => [
      [`POST ${base}`, VAULT_WRITE],
      [`POST ${base}/learn`, [...VAULT_WRITE, 'AURA_NOT_FOUND']],
      [`PUT ${base}/:id`, VAULT_WRITE],
      [`DELETE ${base}/:id`, VAULT_WRITE],
    ]),
  ),
  'POST /api/v1/tasks': ['AURA_CONFLICT', 'AURA_ORCHESTRATION_DISABLED'],
  'POST /api/v1/tasks/:id/steps/:stepId/decision': [
    'AURA_APPROVAL_INVALID',
    'AURA_TASK_NOT_WAITING',
    'AURA_ORCHESTRATION_DISABLED',
  ],
  'POST /api/v1/tasks/:id/steps/:stepId/result': ['AURA_ORCHESTRATION_DISABLED'],
  'PUT /api/v1/push/subscription': ['AURA_DEVICE_REQUIRED'],
  'DELETE /api/v1/push/subscription': ['AURA_DEVICE_REQUIRED', 'AURA_NOT_FOUND'],
  'GET /api/v1/notifications/settings': ['AURA_NOT_FOUND'],
};

/** Routes that answer without the database; every other one answers AURA_NOT_READY when it is gone. */
const WITHOUT_DATABASE = new Set(['GET /health', 'GET /metrics', 'GET /.well-known/jwks.json']);

/**
 * Success answers of routes that write their own bodies (text, a stream) or declare no response
 * schema; documented here so that every operation says what it answers.
 */
const Jwk = z.strictObject({
  kty: z.literal('OKP'),
  crv: z.literal('Ed25519'),
  x: z.string(),
  kid: z.string(),
  alg: z.literal('EdDSA'),
  use: z.literal('sig'),
});
const SUCCESS: Readonly<Record<string, Record<number, unknown>>> = {
  'GET /health': { 200: z.strictObject({ status: z.literal('ok') }) },
  'GET /ready': { 200: z.strictObject({ status: z.literal('ready') }) },
  'GET /metrics': {
    200: {
      description: 'The Prometheus text exposition format.',
      content: { 'text/plain': { schema: z.string() } },
    },
  },
  'GET /.well-known/jwks.json': { 200: z.strictObject({ keys: z.array(Jwk) }) },
  'GET /api/v1/notifications': {
    200: {
      description:
        'A stream of server-sent events, open until the client leaves: `event: <type>` and `data: <the JSON of a Notification>` (see x-server-sent-events).',
      content: { 'text/event-stream': { schema: z.string() } },
    },
  },
};
const EVENT_STREAMS: Readonly<Record<string, z.ZodType>> = { 'GET /api/v1/notifications': Notification };

/** The WebSocket routes: what their frames are, and what opening one means (the routes describe themselves). */
const WEBSOCKETS: Readonly<Record<string, { name: string; frames: z.ZodType; opened: string }>> = {
  'GET /api/v1/agent/connect': {
    name: 'AgentFrame',
    frames: AgentFrame,
    opened:
      'Switching Protocols: the agent channel is open. The server sends JSON text frames (AgentFrame); the agent sends none and answers over HTTP.',
  },
  'GET /api/v1/notifications/connect': {
    name: 'NotificationFrame',
    frames: NotificationFrame,
    opened:
      'Switching Protocols: the notification stream is open. The server sends JSON text frames (NotificationFrame): every event after `after`, then a hello, then each new one; the client sends none.',
  },
};

/**
 * The document's front matter: what a reader needs before the operations, and one tag per module
 * (a test fails when an operation names a tag that is not described here).
 */
export const DOCUMENT_INFO = {
  title: 'Aura API',
  version: '1.0.0',
  description: [
    'The zero-knowledge server of Aura: it stores ciphertext, blind search tokens and signed statements that clients made, and cannot read what they hold.',
    '',
    'Authenticate with `Authorization: Bearer <accessToken>` from the SRP login (POST /api/v1/auth/srp/init, then /verify) and renew it with POST /api/v1/auth/refresh. Every error answer is `{"error": {"code", "message", "fields"?}}` with a stable code (docs/errors.md); each operation lists its codes by status under `x-aura-codes`.',
    '',
    'Two WebSockets push to clients: the agent channel (GET /api/v1/agent/connect) and the notification stream (GET /api/v1/notifications/connect). Their frames, close codes and a typical exchange are in docs/agent-websocket.md; docs/api.md is a short guide to this API.',
  ].join('\n'),
};

export const DOCUMENT_TAGS = [
  { name: 'health', description: 'Liveness, readiness and metrics, for operators and probes.' },
  {
    name: 'auth',
    description:
      'Registration, the SRP login, sessions and tokens, and password change. The password never reaches the server.',
  },
  {
    name: 'devices',
    description:
      "The account's devices: listing, enrollment of a new one by an enrolled one, certificates and revocation.",
  },
  {
    name: 'audit',
    description: "The account's append-only audit log: signed checkpoints, Merkle proofs, entries and leaves.",
  },
  {
    name: 'inference',
    description:
      "Homomorphic intent analysis: the intent model evaluated on a CKKS ciphertext of the request's features, under the device's own keys.",
  },
  {
    name: 'support',
    description:
      'Support access: agents ask, users grant a window onto chosen records re-encrypted for the agent, agents read.',
  },
  {
    name: 'contexts',
    description:
      'Vault: encrypted context records (the notes and facts the assistant works from), versioned, each write signed by a device, searchable by blind tokens.',
  },
  {
    name: 'relationships',
    description: 'Vault: encrypted relationship records (the people the user knows), as contexts.',
  },
  {
    name: 'learning-events',
    description: "Vault: encrypted learning events (the assistant's decisions and the feedback on them), as contexts.",
  },
  {
    name: 'notifications',
    description:
      "The account's notices: the event log, a WebSocket and server-sent events, Web Push, email and sealed preferences.",
  },
  {
    name: 'tasks',
    description: 'Encrypted plans run by the durable workflow: submission, approvals and step results.',
  },
  {
    name: 'agent',
    description: "The user's agent: requests queued for it, the work it claims, and its WebSocket.",
  },
];

const REASONS: Readonly<Record<number, string>> = {
  400: 'Bad request',
  401: 'Unauthorized',
  403: 'Forbidden',
  404: 'Not found',
  409: 'Conflict',
  413: 'Payload too large',
  414: 'URI too long',
  415: 'Unsupported media type',
  429: 'Too many requests',
  431: 'Request headers too large',
  500: 'Internal server error',
  502: 'Bad gateway',
  503: 'Service unavailable',
};

/** What the document needs to know of a route that its schema does not say. */
interface RouteFacts {
  readonly method: string;
  readonly url: string;
  readonly authenticated: boolean;
  readonly rateLimited: boolean;
  readonly declared: Codes;
}

/** The codes a route can answer, by HTTP status (each code's status is the registry's). */
export function errorResponsesOf(facts: RouteFacts): Record<string, ErrorCode[]> {
  const key = `${facts.method} ${facts.url}`;
  // Node's parser, the router, the host allowlist and the error handler answer these anywhere.
  const codes = new Set<ErrorCode>([
    'AURA_INVALID_INPUT',
    'AURA_HOST_NOT_ALLOWED',
    'AURA_HEADERS_TOO_LARGE',
    'AURA_INTERNAL',
  ]);
  const database = !WITHOUT_DATABASE.has(key);
  if (database) codes.add('AURA_NOT_READY');
  // Fastify parses a body on every method but GET, HEAD and TRACE, whether or not the route reads it.
  if (!['GET', 'HEAD', 'TRACE'].includes(facts.method)) {
    for (const code of ['AURA_MALFORMED_JSON', 'AURA_PAYLOAD_TOO_LARGE', 'AURA_UNSUPPORTED_MEDIA_TYPE'] as const)
      codes.add(code);
    // A write that collides with another is rolled back and answered "retry".
    if (database) codes.add('AURA_BUSY');
  }
  if (facts.authenticated) {
    codes.add('AURA_UNAUTHENTICATED');
    codes.add('AURA_SESSION_REVOKED');
  }
  if (facts.rateLimited) codes.add('AURA_RATE_LIMITED');
  // A path parameter names a row, which may not exist (or not in this account); the router
  // refuses one longer than any id.
  if (facts.url.includes('/:')) {
    codes.add('AURA_NOT_FOUND');
    codes.add('AURA_URI_TOO_LONG');
  }
  for (const code of ROUTE_ERRORS[key] ?? []) codes.add(code);
  for (const code of facts.declared) codes.add(code);
  const byStatus: Record<string, ErrorCode[]> = {};
  for (const code of Object.keys(errorCodes) as ErrorCode[]) {
    if (!codes.has(code)) continue;
    const status = String(errorCodes[code].status);
    byStatus[status] = [...(byStatus[status] ?? []), code];
  }
  return byStatus;
}

const LIFECYCLE = ['onRequest', 'preParsing', 'preValidation', 'preHandler'] as const;

/** The hooks a context added with addHook (fastify keeps them under a symbol of its own). */
function contextHooks(instance: FastifyInstance, name: string): unknown[] {
  for (let o: object | null = instance; o; o = Object.getPrototypeOf(o)) {
    const symbol = Object.getOwnPropertySymbols(o).find((s) => s.description === 'fastify.hooks');
    if (symbol) return ((o as Record<symbol, Record<string, unknown[]>>)[symbol]?.[name] ?? []) as unknown[];
  }
  // Guessing would document a protected route as open (or the reverse): refuse instead.
  throw new Error('cannot read the hooks of a fastify context; packages/server/src/http/openapi.ts needs updating');
}

const asList = (value: unknown): unknown[] => (Array.isArray(value) ? value : value === undefined ? [] : [value]);

type OpenApiObject = {
  components?: { schemas?: Record<string, unknown> };
  paths?: Record<string, Record<string, Record<string, unknown>>>;
};

/** A zod schema as the document's other schemas are written (the same converter, the same target). */
function documentSchema(schema: z.ZodType, openapiObject: object): unknown {
  const converted = jsonSchemaTransform({
    schema: { response: { 200: schema } },
    url: '/',
    route: {} as RouteOptions,
    openapiObject,
  } as Parameters<typeof jsonSchemaTransform>[0]);
  return (converted.schema as { response: Record<number, unknown> }).response[200];
}

const ERROR_REF = { $ref: '#/components/schemas/ErrorBody' };

/**
 * The swagger `transform` and `transformObject`, and the onRoute hook that tells them in which
 * context each route was declared (a module-level `addHook('preValidation', app.requireAuth)`
 * protects its routes without a word in their options).
 */
export function openApiCompletion() {
  const contexts = new WeakMap<RouteOptions, FastifyInstance>();

  function authenticated(route: RouteOptions): boolean {
    const instance = contexts.get(route);
    const requireAuth = (instance as { requireAuth?: unknown } | undefined)?.requireAuth;
    if (!instance || typeof requireAuth !== 'function') return false;
    return LIFECYCLE.some(
      (hook) => asList(route[hook]).includes(requireAuth) || contextHooks(instance, hook).includes(requireAuth),
    );
  }

  const transform: SwaggerTransform = (document) => {
    const { route, url } = document;
    const method =
      asList(route.method)
        .map(String)
        .find((m) => m !== 'HEAD') ?? 'HEAD';
    const key = `${method} ${url}`;
    const websocket =
      (route as { websocket?: boolean }).websocket === true ||
      typeof (route as { wsHandler?: unknown }).wsHandler === 'function';
    let schema = document.schema as Record<string, unknown> | undefined;
    // @fastify/websocket hides its routes; the agent channel is part of the API, so it is shown.
    if (websocket && schema) {
      const { hide: _hide, ...rest } = schema;
      schema = rest;
    }
    const success = SUCCESS[key];
    if (success && !schema?.response) schema = { ...schema, response: success };
    const base = jsonSchemaTransform({ ...document, schema } as Parameters<typeof jsonSchemaTransform>[0]);
    if ((base.schema as { hide?: boolean } | undefined)?.hide) return base;
    const facts: RouteFacts = {
      method,
      url,
      authenticated: authenticated(route),
      rateLimited: (route.config as { rateLimit?: unknown } | undefined)?.rateLimit !== false,
      declared: asList(schema?.['x-aura-errors']) as ErrorCode[],
    };
    const extensions: Record<string, unknown> = { 'x-aura-codes': errorResponsesOf(facts) };
    if (facts.authenticated) extensions.security = [{ bearer: [] }];
    if (websocket) extensions['x-websocket'] = key;
    if (EVENT_STREAMS[key]) extensions['x-server-sent-events'] = key;
    const { 'x-aura-errors': _declared, ...transformed } = (base.schema ?? {}) as Record<string, unknown>;
    return { ...base, schema: { ...transformed, ...extensions } as FastifySchema };
  };

  const transformObject: SwaggerTransformObject = (documentObject) => {
    if (!('openapiObject' in documentObject)) return documentObject.swaggerObject;
    const { openapiObject } = documentObject;
    const doc = openapiObject as OpenApiObject;
    doc.components = { ...doc.components, schemas: { ...doc.components?.schemas } };
    const schemas = doc.components.schemas as Record<string, unknown>;
    schemas.ErrorBody = documentSchema(ErrorBody, openapiObject);
    for (const operations of Object.values(doc.paths ?? {})) {
      for (const operation of Object.values(operations)) {
        const byStatus = operation['x-aura-codes'] as Record<string, ErrorCode[]> | undefined;
        if (!byStatus) continue;
        const responses = { ...(operation.responses as Record<string, unknown>) };
        const socket = WEBSOCKETS[String(operation['x-websocket'])];
        if (socket) {
          schemas[socket.name] ??= documentSchema(socket.frames, openapiObject);
          delete responses['200'];
          responses['101'] = { description: socket.opened };
          operation['x-websocket'] = {
            subprotocols: [],
            serverMessages: {
              contentType: 'application/json',
              schema: { $ref: `#/components/schemas/${socket.name}` },
            },
            clientMessages: null,
          };
        }
        const stream = operation['x-server-sent-events'];
        if (typeof stream === 'string' && EVENT_STREAMS[stream]) {
          operation['x-server-sent-events'] = {
            data: documentSchema(EVENT_STREAMS[stream], openapiObject),
          };
        }
        for (const [status, codes] of Object.entries(byStatus)) {
          const reason = REASONS[Number(status)] ?? 'Error';
          responses[status] = {
            description: `${reason}: ${codes.join(', ')}.`,
            ...(status === '429'
              ? {
                  headers: {
                    'retry-after': {
                      description: 'Seconds to wait before the next attempt.',
                      schema: { type: 'integer', minimum: 0 },
                    },
                  },
                }
              : {}),
            content: { 'application/json': { schema: ERROR_REF } },
            'x-aura-codes': codes,
          };
        }
        operation.responses = responses;
      }
    }
    return openapiObject;
  };

  /** Registered on the root before any module, so it sees every route (and the context it is in). */
  function watch(app: FastifyInstance) {
    app.addHook('onRoute', function (this: FastifyInstance, route) {
      contexts.set(route, this);
    });
  }

  return { transform, transformObject, watch };
}
