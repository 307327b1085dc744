import { readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { errorCodes } from '@aura/errors';
import {
  AgentFrame,
  AgentRequest,
  ApprovalView,
  AuditNotice,
  Base64Text,
  DeviceNotice,
  Dispatch,
  LoggedEvent,
  NotificationFrame,
  SupportNotice,
  TaskNotice,
} from '@aura/protocol';
import * as z from 'zod';
import { errorResponsesOf } from '../src/http/openapi.ts';

/**
 * Renders docs/agent-websocket.md from the protocol's frame schemas: the fields and their types
 * come from the zod schemas (as JSON Schema), the prose from the tables below, and each example
 * is parsed by its schema. A field without a description, a description of a field that is gone,
 * or an example the schema refuses stops the render, and a test compares the committed page with
 * a fresh render, so the page cannot drift from the wire.
 *
 *   node --import tsx packages/server/scripts/websocket-docs.ts           rewrites the page
 *   node --import tsx packages/server/scripts/websocket-docs.ts --check   fails when it differs
 */

export const PAGE = fileURLToPath(new URL('../../../docs/agent-websocket.md', import.meta.url));
const SELF = 'packages/server/scripts/websocket-docs.ts';

/** The shared types, by the name their section has; a frame's field of one of them links there. */
const TYPES = {
  Dispatch,
  ApprovalView,
  AgentRequest,
  LoggedEvent,
  TaskNotice,
  AuditNotice,
  DeviceNotice,
  SupportNotice,
} satisfies Record<string, z.ZodType>;
type TypeName = keyof typeof TYPES;

/** What a field means, by field name: every field of the schema must have one, and no other. */
type Fields = Readonly<Record<string, string>>;

interface Frame {
  readonly about: string;
  readonly fields: Fields;
  readonly example: unknown;
}

interface CloseCode {
  readonly code: number;
  /** The reason the server sends, or null for a code the ws library or the network gives. */
  readonly reason: string | null;
  readonly when: string;
}

interface Socket {
  readonly title: string;
  readonly openedBy: string;
  readonly path: string;
  readonly query?: string;
  readonly schemaName: string;
  readonly schema: z.ZodType;
  readonly intro: string;
  readonly exchange: readonly string[];
  readonly transcript: string;
  readonly frames: Readonly<Record<string, Frame>>;
  readonly closes: readonly CloseCode[];
  /** The source files whose `.close(code, 'reason')` calls the close codes above must match. */
  readonly closedIn: readonly string[];
}

const TASK_ID = '5b3e0a5c-2f4d-4b8e-9a61-0c7d2e9f4a10';
const DEVICE_ID = '9f1c2b7e-4d3a-4c5b-8e6f-1a2b3c4d5e6f';
const REQUEST_ID = 'c0ffee00-1234-4abc-8def-0123456789ab';
const SIGNATURE = `${'A'.repeat(86)}==`;

/** The close codes both sockets share: the ws library's and the network's. */
const COMMON_CLOSES: readonly CloseCode[] = [
  { code: 1001, reason: 'server stopping', when: 'The server is shutting down. Reconnect with backoff.' },
  {
    code: 1002,
    reason: null,
    when: 'The client broke the WebSocket protocol (a malformed frame): the server ends the connection, with this code or without a close frame (1006).',
  },
  {
    code: 1006,
    reason: null,
    when: 'No close frame at all: the network or the process went away. Reconnect with backoff.',
  },
  {
    code: 1009,
    reason: null,
    when: 'The client sent a message over 1 MiB (it has nothing to send): the server ends the connection, with this code or without a close frame (1006).',
  },
];

const REVOKED: CloseCode = {
  code: 4001,
  reason: 'device revoked',
  when: 'The device of this session was revoked (DELETE /api/v1/devices/{id}). Do not reconnect: its sessions are over too.',
};

const SOCKETS: readonly Socket[] = [
  {
    title: 'The agent channel',
    openedBy: '`aura agent`, on an enrolled device',
    path: '/api/v1/agent/connect',
    schemaName: 'AgentFrame',
    schema: AgentFrame,
    intro:
      "Opened by `aura agent`, the user's agent, from an enrolled device. The server pushes the work the agent should do as it arrives: requests to plan and step attempts to run. The agent answers over HTTP, never on the socket. Only a session of an enrolled device is sent work; a session without a device gets the `hello` and nothing else.",
    exchange: [
      "The agent opens the socket with the access token of its device's session; the server answers `101 Switching Protocols` and sends `hello`.",
      'The agent claims what waited while it was away: `POST /api/v1/agent/claim` answers the queued requests and dispatched steps, now held by this device. It does this on every connect, whatever frames come.',
      'A device of the user posts a request (`POST /api/v1/agent/requests`): the server stores it and sends a `request` frame to one connected agent device, the one that connected last.',
      'The agent opens the request, plans it and submits the task (`POST /api/v1/tasks`), then marks the request done (`POST /api/v1/agent/requests/{id}/done`).',
      "The workflow asks the user's devices to approve the steps that need it (over the notification stream), then dispatches each step: a `dispatch` frame goes to the agent device the step was given to.",
      'The agent checks the approval, runs the step and reports (`POST /api/v1/tasks/{taskId}/steps/{stepId}/result`); the workflow dispatches the next step, and so on.',
      "A frame lost on the way (the agent was offline, the connection dropped) loses nothing: the work stays in the database, and the next connect's claim hands it out again. The agent must therefore treat a repeated request or dispatch as one it may have handled already.",
    ],
    transcript: [
      'agent  → GET /api/v1/agent/connect   Authorization: Bearer <token>, Upgrade: websocket',
      'server ← 101 Switching Protocols',
      'server ← {"type":"hello","pending":true}',
      'agent  → POST /api/v1/agent/claim    (HTTP) ← {"dispatches":[],"requests":[]}',
      '         … a phone posts POST /api/v1/agent/requests …',
      `server ← {"type":"request","request":{"id":"${REQUEST_ID}","ciphertext":"…"}}`,
      'agent  → POST /api/v1/tasks          (HTTP) the plan, encrypted',
      `agent  → POST /api/v1/agent/requests/${REQUEST_ID}/done`,
      `server ← {"type":"dispatch","dispatch":{"taskId":"${TASK_ID}","stepId":"book-table","attempt":1,…}}`,
      `agent  → POST /api/v1/tasks/${TASK_ID}/steps/book-table/result`,
    ].join('\n'),
    frames: {
      hello: {
        about:
          'Sent once, as soon as the connection is open. Work may have waited while the agent was away: the agent claims it now (`POST /api/v1/agent/claim`).',
        fields: {
          type: 'Always `"hello"`.',
          pending: 'Whether work may be waiting. This server always sends `true`, so an agent claims on every connect.',
        },
        example: { type: 'hello', pending: true },
      },
      dispatch: {
        about:
          "One attempt of a task's step, for this agent device to run: sent when the workflow dispatches a step to it, or again for a later attempt after a failure worth a retry. The agent checks the approval itself, runs the step and reports with `POST /api/v1/tasks/{taskId}/steps/{stepId}/result`, naming the attempt.",
        fields: {
          type: 'Always `"dispatch"`.',
          dispatch: 'The attempt.',
        },
        example: {
          type: 'dispatch',
          dispatch: {
            taskId: TASK_ID,
            stepId: 'book-table',
            attempt: 1,
            requiresApproval: true,
            ciphertext: 'AXNlYWxlZCBzdGVwIGNpcGhlcnRleHQ=',
            approval: {
              deviceId: DEVICE_ID,
              decision: 'approve',
              expiresAt: '2030-01-01T12:00:00.000Z',
              signature: SIGNATURE,
              decidedAt: '2030-01-01T11:00:00.000Z',
            },
          },
        },
      },
      request: {
        about:
          "A request one of the user's devices posted (`POST /api/v1/agent/requests`), for the agent to open, understand and plan. It goes to one agent device only, so it is not planned twice; the agent marks it done once planned (`POST /api/v1/agent/requests/{id}/done`).",
        fields: {
          type: 'Always `"request"`.',
          request: 'The request.',
        },
        example: {
          type: 'request',
          request: { id: REQUEST_ID, ciphertext: `AX${'A'.repeat(56)}==` },
        },
      },
    },
    closes: [...COMMON_CLOSES, REVOKED].sort((a, b) => a.code - b.code),
    closedIn: ['packages/server/src/agent-channel/hub.ts'],
  },
  {
    title: 'The notification stream',
    openedBy: 'every device and the dashboard',
    path: '/api/v1/notifications/connect',
    query:
      '`after` (optional): the `seq` of the last event this device saw, an integer ≥ 0. With it, the stream replays every logged event after it first; without it, the stream starts now.',
    schemaName: 'NotificationFrame',
    schema: NotificationFrame,
    intro:
      'Opened by every device and the web dashboard to hear what happens to the account as it happens: task steps waiting for approval, devices enrolled or revoked, support access, audit entries. Each notice carries only metadata the server has anyway; what a device shows beyond it travels sealed, and the server cannot open it. The client only listens; what it decides goes over HTTP, signed. The same events are in the log (`GET /api/v1/notifications/log`) and, for clients without WebSockets, a server-sent event stream (`GET /api/v1/notifications`, resumed with `Last-Event-ID`).',
    exchange: [
      'A device that saw events before keeps the largest `seq` it saw; a new one reads `latest` from `GET /api/v1/notifications/log?after=…` or starts without `after`.',
      "It opens `/api/v1/notifications/connect?after=<seq>` with its session's access token; the server answers `101 Switching Protocols`.",
      'The server sends every logged event after `seq`, oldest first, as `event` frames; then `hello`, with the newest seq, which marks the end of the replay; then each new event as it happens. Without `after` there is no replay: `hello` comes first, and its `latest` is the cursor to keep.',
      'Within one connection an event is sent once, even if it was both replayed and heard live.',
      'When the connection drops, the device reconnects with `after=<the largest seq it saw>`: it misses nothing and sees nothing twice.',
    ],
    transcript: [
      'device → GET /api/v1/notifications/connect?after=41   Authorization: Bearer <token>, Upgrade: websocket',
      'server ← 101 Switching Protocols',
      'server ← {"type":"event","event":{"seq":42,"type":"task.approval_requested",…}}',
      'server ← {"type":"event","event":{"seq":43,"type":"audit.appended",…}}',
      `server ← {"type":"hello","deviceId":"${DEVICE_ID}","latest":43}`,
      '         … later …',
      'server ← {"type":"event","event":{"seq":44,"type":"device.enrolled",…}}',
    ].join('\n'),
    frames: {
      hello: {
        about:
          'Sent once per connection, after the events replayed from `after` and before any live one: from here on, events arrive as they happen.',
        fields: {
          type: 'Always `"hello"`.',
          deviceId: 'The device of the session that opened the socket; `null` for a session without one.',
          latest: "The newest seq of the user's event log when the replay ended (0 when the log is empty).",
        },
        example: { type: 'hello', deviceId: DEVICE_ID, latest: 43 },
      },
      event: {
        about: "One entry of the user's event log: replayed (its `seq` is after `after`) or live.",
        fields: {
          type: 'Always `"event"`.',
          event: 'The logged event.',
        },
        example: {
          type: 'event',
          event: {
            seq: 42,
            id: '0d9e8f7a-6b5c-4d3e-8f1a-2b3c4d5e6f70',
            type: 'task.approval_requested',
            at: '2030-01-01T11:00:00.000Z',
            notice: { type: 'task', event: 'approval_requested', taskId: TASK_ID, stepId: 'book-table' },
            sealed: 'AXNlYWxlZCBmb3IgdGhlIHVzZXIncyBkZXZpY2Vz',
          },
        },
      },
    },
    closes: [
      ...COMMON_CLOSES,
      {
        code: 1011,
        reason: 'the notification log could not be read; reconnect',
        when: 'The server could not read the event log (its database failed) while opening the stream. Reconnect with the same `after`.',
      },
      REVOKED,
    ].sort((a, b) => a.code - b.code),
    closedIn: ['packages/server/src/notifications/routes.ts'],
  },
];

const TYPE_DOCS: Readonly<Record<TypeName, { about: string; fields: Fields }>> = {
  Dispatch: {
    about: 'One attempt of a step, as the agent gets it in a `dispatch` frame and from `POST /api/v1/agent/claim`.',
    fields: {
      taskId: 'The task.',
      stepId: 'The step, unique within its task.',
      attempt:
        'Which attempt this is, from 1. The agent names it in its report; a report of an attempt that is no longer current is ignored.',
      requiresApproval: "Whether the step needed the user's approval; if so, `approval` holds it.",
      ciphertext:
        "The step as the submitting client sealed it (what to do, and with what): only the user's keys open it.",
      approval:
        "The signed decision on a step that required one, else `null`. The agent checks it against the account's devices before it acts.",
    },
  },
  ApprovalView: {
    about: "A device's signed decision on a step.",
    fields: {
      deviceId: 'The device that signed the decision.',
      decision: 'Which way the user decided.',
      expiresAt: 'Until when the approval holds; the agent does not act on it after that.',
      signature:
        'The Ed25519 signature (context "approval") of that device over the task, the step, the step\'s hash, the decision and the expiry.',
      decidedAt: 'When the server received the decision.',
    },
  },
  AgentRequest: {
    about: 'A request posted for the agent, as it comes in a `request` frame.',
    fields: {
      id: "The request's id, chosen by the posting device; the agent derives its task's id from it, so a repeat finds the same task.",
      ciphertext: 'The request, sealed by the posting device for the account; the server cannot read it.',
    },
  },
  LoggedEvent: {
    about: "One entry of the user's event log.",
    fields: {
      seq: "Its position in the user's log, from 1 and increasing: the cursor for `after`.",
      id: "The event's id: the same event heard twice has the same id.",
      type: 'What happened, as `<notice type>.<event>` (`task.completed`, `device.revoked`), or `audit.appended`.',
      at: 'When it was logged.',
      notice: 'What happened, as metadata the server has anyway; told apart by its `type`.',
      sealed:
        "For some events (an approval request: the step to approve), what the submitting client sealed for the user's devices. The server copies it and cannot read it.",
    },
  },
  TaskNotice: {
    about: 'Something happened to a task or one of its steps.',
    fields: {
      type: 'Always `"task"`.',
      event: 'What happened.',
      taskId: 'The task.',
      stepId: 'The step, for the events of a step.',
      decision: 'For `approval_decided`: which way, so that the other devices clear their prompt.',
      why: 'Why a task ended (rejected, expired, a step failed); the sealed part says more.',
    },
  },
  AuditNotice: {
    about: "An entry was appended to the user's audit log.",
    fields: {
      type: 'Always `"audit"`.',
      index: "The entry's index in the audit log (read it with `GET /api/v1/audit/entries`).",
      eventType: "The entry's event type (`login`, `device`, `vault`, …).",
      action: "The entry's action (`login`, `revoke`, `put contexts`, …).",
      result: 'How it went.',
      actorType: 'Who acted.',
    },
  },
  DeviceNotice: {
    about: "The account's device list changed, or a new device asks to join.",
    fields: {
      type: 'Always `"device"`.',
      event: 'What happened.',
      deviceId: 'The device enrolled or revoked.',
      enrollmentId: 'For `enrollment_requested`: the enrollment waiting for approval.',
    },
  },
  SupportNotice: {
    about: 'Support access to the account: asked, granted, revoked, or used.',
    fields: {
      type: 'Always `"support"`.',
      event: 'What happened.',
      id: 'The access request or grant it is about.',
    },
  },
};

// --- JSON Schema to words ---------------------------------------------------------------------------

interface JsonSchema {
  $ref?: string;
  type?: string;
  const?: unknown;
  enum?: unknown[];
  format?: string;
  pattern?: string;
  minLength?: number;
  maxLength?: number;
  minimum?: number;
  maximum?: number;
  items?: JsonSchema;
  anyOf?: JsonSchema[];
  oneOf?: JsonSchema[];
  properties?: Record<string, JsonSchema>;
  required?: string[];
  $defs?: Record<string, JsonSchema>;
}

const registry = z.registry<{ id: string }>();
for (const [name, schema] of Object.entries(TYPES)) registry.add(schema, { id: name });

/** Both unions in one conversion, so that a type both use is one definition. */
function convert(): { frames: Record<string, JsonSchema[]>; defs: Record<string, JsonSchema> } {
  const all = z.strictObject(Object.fromEntries(SOCKETS.map((s) => [s.schemaName, s.schema])));
  const json = z.toJSONSchema(all, { metadata: registry, io: 'output', target: 'draft-2020-12' }) as JsonSchema;
  const frames: Record<string, JsonSchema[]> = {};
  for (const socket of SOCKETS) frames[socket.schemaName] = json.properties?.[socket.schemaName]?.oneOf ?? [];
  return { frames, defs: json.$defs ?? {} };
}

const BASE64 = (z.toJSONSchema(Base64Text) as JsonSchema).pattern;
const SAFE = Number.MAX_SAFE_INTEGER;
const code = (value: unknown) => `\`${JSON.stringify(value)}\``;
const anchor = (name: string) => name.toLowerCase();
const cell = (text: string) => text.replaceAll('|', '\\|').replaceAll('\n', ' ');
const width = (text: string) => [...text].length;

/** A table padded as the repository's formatter (biome) pads one, so the page stays lint-clean as rendered. */
function table(header: readonly string[], rows: readonly (readonly string[])[]): string {
  const cells = [header, ...rows].map((row) => row.map(cell));
  const widths = header.map((_, i) => Math.max(3, ...cells.map((row) => width(row[i] ?? ''))));
  const line = (row: readonly string[]) =>
    `| ${widths.map((w, i) => (row[i] ?? '') + ' '.repeat(w - width(row[i] ?? ''))).join(' | ')} |`;
  const [head = [], ...body] = cells;
  return [line(head), line(widths.map((w) => '-'.repeat(w))), ...body.map(line)].join('\n');
}

function either(words: string[]): string {
  if (words.length <= 1) return words.join('');
  return `${words.slice(0, -1).join(', ')} or ${words.at(-1)}`;
}

function lengths(s: JsonSchema, unit: string): string {
  if (s.minLength !== undefined && s.maxLength !== undefined)
    return s.minLength === s.maxLength ? `${s.minLength} ${unit}` : `${s.minLength} to ${s.maxLength} ${unit}`;
  if (s.maxLength !== undefined) return `at most ${s.maxLength} ${unit}`;
  if (s.minLength !== undefined) return `at least ${s.minLength} ${unit}`;
  return '';
}

/** A schema as the type column says it. */
export function typeText(s: JsonSchema): string {
  if (s.$ref) {
    const name = s.$ref.split('/').at(-1) ?? s.$ref;
    return `[${name}](#${anchor(name)})`;
  }
  if (s.anyOf || s.oneOf) {
    const parts = s.anyOf ?? s.oneOf ?? [];
    const nullable = parts.some((p) => p.type === 'null');
    const words = parts.filter((p) => p.type !== 'null').map(typeText);
    return either([...words, ...(nullable ? ['`null`'] : [])]);
  }
  if (s.const !== undefined) return code(s.const);
  if (s.enum) return s.enum.length > 2 ? `one of ${either(s.enum.map(code))}` : either(s.enum.map(code));
  switch (s.type) {
    case 'string': {
      if (s.format === 'uuid') return 'UUID';
      if (s.format === 'date-time')
        return s.pattern?.endsWith('(?:Z))$') ? 'date-time (ISO 8601, UTC)' : 'date-time (ISO 8601)';
      if (s.pattern === BASE64) return ['base64', lengths(s, 'characters')].filter(Boolean).join(', ');
      const size = lengths(s, 'characters');
      return [`string${s.pattern ? ` matching \`${s.pattern}\`` : ''}`, size].filter(Boolean).join(', ');
    }
    case 'integer':
    case 'number': {
      const low = s.minimum !== undefined && s.minimum > -SAFE ? s.minimum : undefined;
      const high = s.maximum !== undefined && s.maximum < SAFE ? s.maximum : undefined;
      const name = s.type === 'integer' ? 'integer' : 'number';
      if (low !== undefined && high !== undefined) return `${name}, ${low} to ${high}`;
      if (low !== undefined) return `${name} ≥ ${low}`;
      if (high !== undefined) return `${name} ≤ ${high}`;
      return name;
    }
    case 'boolean':
      return 'boolean';
    case 'array':
      return `array of ${s.items ? typeText(s.items) : 'anything'}`;
    default:
      throw new Error(`${SELF}: no words for the schema ${JSON.stringify(s)}`);
  }
}

/** The table of an object's fields, checked against what the page says of them. */
function fieldTable(where: string, object: JsonSchema, fields: Fields): string {
  const properties = object.properties ?? {};
  const names = Object.keys(properties);
  const undescribed = names.filter((n) => !fields[n]);
  const stale = Object.keys(fields).filter((n) => !names.includes(n));
  if (undescribed.length || stale.length)
    throw new Error(
      `${SELF}: ${where}: ${[
        undescribed.length ? `say what ${undescribed.join(', ')} mean${undescribed.length === 1 ? 's' : ''}` : '',
        stale.length ? `${stale.join(', ')} ${stale.length === 1 ? 'is' : 'are'} no longer in the schema` : '',
      ]
        .filter(Boolean)
        .join('; ')}`,
    );
  const required = new Set(object.required ?? []);
  return table(
    ['field', 'type', 'always there', 'meaning'],
    names.map((name) => [
      `\`${name}\``,
      typeText(properties[name] ?? {}),
      required.has(name) ? 'yes' : 'no',
      fields[name] ?? '',
    ]),
  );
}

/** What the server answers, before any upgrade, to a handshake it refuses. */
function handshakeTable(path: string): string {
  const byStatus = errorResponsesOf({ method: 'GET', url: path, authenticated: true, rateLimited: true, declared: [] });
  return table(
    ['HTTP status', 'code', 'meaning'],
    Object.entries(byStatus).flatMap(([status, codes]) =>
      codes.map((c) => [status, `\`${c}\``, errorCodes[c].summary]),
    ),
  );
}

function closeTable(closes: readonly CloseCode[]): string {
  return table(
    ['code', 'reason', 'when, and what to do'],
    closes.map((c) => [String(c.code), c.reason === null ? '(none)' : `\`${c.reason}\``, c.when]),
  );
}

const json = (value: unknown) => ['```json', JSON.stringify(value, null, 2), '```'].join('\n');

function frameSections(socket: Socket, variants: JsonSchema[]): string[] {
  const documented = Object.keys(socket.frames);
  const types = variants.map((v) => String(v.properties?.type?.const));
  const missing = types.filter((t) => !documented.includes(t));
  const gone = documented.filter((t) => !types.includes(t));
  if (missing.length || gone.length)
    throw new Error(
      `${SELF}: ${socket.schemaName}: document the frames ${missing.join(', ') || '(none)'}; drop ${gone.join(', ') || '(none)'}`,
    );
  return variants.flatMap((variant, i) => {
    const type = types[i] ?? '';
    const frame = socket.frames[type];
    if (!frame) return [];
    const parsed = socket.schema.safeParse(frame.example);
    if (!parsed.success)
      throw new Error(`${SELF}: the example of ${socket.schemaName} "${type}" is refused: ${parsed.error.message}`);
    return [
      `### \`${type}\` (server → client)`,
      frame.about,
      fieldTable(`${socket.schemaName} "${type}"`, variant, frame.fields),
      json(frame.example),
    ];
  });
}

function socketSection(socket: Socket, variants: JsonSchema[]): string[] {
  return [
    `## ${socket.title}: \`GET ${socket.path}\``,
    socket.intro,
    ...(socket.query ? [`Query: ${socket.query}`] : []),
    '### A typical exchange',
    socket.exchange.map((step, i) => `${i + 1}. ${step}`).join('\n'),
    ['```text', socket.transcript, '```'].join('\n'),
    ...frameSections(socket, variants),
    '### Refused handshakes',
    'Before the upgrade, a refusal is an ordinary HTTP answer with the JSON error body of the rest of the API (see [errors.md](errors.md)); nothing is upgraded. A GET without `Upgrade: websocket`, a malformed handshake (`Sec-WebSocket-Key`, `Sec-WebSocket-Version: 13`, `Connection: Upgrade`) or a bad query is `AURA_INVALID_INPUT`, naming what is wrong. The codes this route can answer, as the OpenAPI document lists them:',
    handshakeTable(socket.path),
    '### Close codes',
    closeTable(socket.closes),
  ];
}

function typeSections(defs: Record<string, JsonSchema>): string[] {
  const names = Object.keys(TYPES) as TypeName[];
  const unnamed = Object.keys(defs).filter((d) => !names.includes(d as TypeName));
  if (unnamed.length) throw new Error(`${SELF}: describe the types ${unnamed.join(', ')} in TYPE_DOCS`);
  return names.flatMap((name) => {
    const def = defs[name];
    if (!def) throw new Error(`${SELF}: ${name} is described but no frame uses it; drop it from TYPES`);
    const doc = TYPE_DOCS[name];
    return [`### ${name}`, doc.about, fieldTable(name, def, doc.fields)];
  });
}

/** The whole page, as it is committed. */
export function renderWebSocketDocs(): string {
  const { frames, defs } = convert();
  const sections = [
    '# The WebSockets: the agent channel and the notification stream',
    `<!-- Generated by ${SELF} from the frame schemas of packages/protocol (AgentFrame, NotificationFrame). Do not edit: change the schemas or the script, then run \`node --import tsx ${SELF}\`. A test fails when this page and the script disagree. -->`,
    'Aura has two WebSockets, both from the server to a client. Every frame is one JSON text message, an object told apart by its `type`. The server reads nothing from a client: a message it sends is ignored, and what it decides goes over HTTP. A frame is a nudge, never the only copy: what it carries is in the database and comes again over HTTP, so a client that was away loses nothing. The HTTP API is described in [api.md](api.md) and, live, at `/api/docs`.',
    table(
      ['socket', 'URL', 'opened by', 'frames'],
      SOCKETS.map((s) => [
        s.title.replace(/^The /, ''),
        `\`GET ${s.path}${s.query ? '?after=SEQ' : ''}\``,
        s.openedBy,
        `\`${s.schemaName}\`: ${Object.keys(s.frames)
          .map((t) => `\`${t}\``)
          .join(', ')}`,
      ]),
    ),
    '## Connecting and authenticating',
    [
      "- **URL**: the server's own address with `ws://` or `wss://` (behind TLS) instead of `http://` or `https://`, and the path above: the sockets share the HTTP API's host and port.",
      '- **Token**: an access token from the SRP login (`POST /api/v1/auth/srp/init`, then `POST /api/v1/auth/srp/verify`, whose answer holds `tokens.accessToken`) or from `POST /api/v1/auth/refresh`. Send it on the upgrade request as `Authorization: Bearer <accessToken>`.',
      '- **Browsers** cannot set headers on a WebSocket: offer the two subprotocols `aura.v1` and `aura.bearer.<accessToken>` (`new WebSocket(url, ["aura.v1", "aura.bearer." + token])`). The server answers with `aura.v1` and never echoes the token; a client that offers no subprotocol gets none.',
      '- **When it is checked**: once, on the upgrade. A socket stays open after its access token expires (15 minutes by default, `AURA_ACCESS_TOKEN_SECONDS`); a reconnect needs a fresh token. Revoking the device closes its sockets at once (4001); a logout or `revoke-all` ends the session but does not close a socket already open.',
      '- **Keeping it alive**: the server answers pings with pongs and sends none of its own; a client that wants to notice a dead connection pings.',
    ].join('\n'),
    ...SOCKETS.flatMap((s) => socketSection(s, frames[s.schemaName] ?? [])),
    '## Types',
    'The objects the frames carry, as the protocol defines them. Byte strings are standard base64 with padding. A field that is not always there may be absent; one whose type includes `null` is always there, and may be null.',
    ...typeSections(defs),
  ];
  return `${sections.join('\n\n')}\n`;
}

/** The `.close(code, 'reason')` calls of a source file: what the server itself closes with. */
export function closesInSource(path: string): { code: number; reason: string }[] {
  const text = readFileSync(fileURLToPath(new URL(`../../../${path}`, import.meta.url)), 'utf8');
  return [...text.matchAll(/\.close\((\d{4}), '([^']*)'\)/g)].map((m) => ({ code: Number(m[1]), reason: m[2] ?? '' }));
}

export const SOCKET_CLOSES = SOCKETS.map((s) => ({ path: s.path, closes: s.closes, closedIn: s.closedIn }));

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const page = renderWebSocketDocs();
  if (process.argv.includes('--check')) {
    const committed = readFileSync(PAGE, 'utf8');
    if (committed !== page) {
      console.error(`docs/agent-websocket.md is out of date: run node --import tsx ${SELF}`);
      process.exit(1);
    }
  } else {
    writeFileSync(PAGE, page);
    console.log(`wrote ${PAGE}`);
  }
}
