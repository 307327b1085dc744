// Reads a V8 CPU profile (node --cpu-prof) of the server and says where a request's time went:
// self time by layer (the library or the part of Aura whose code ran), time inside each layer
// including what it called, and the functions with the most self time, each per request, for
// the samples taken while one load ran. Frames of the server's bundle are mapped back to their
// TypeScript through its source map.
import { existsSync, readFileSync } from 'node:fs';
import { SourceMap } from 'node:module';
import { dirname, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

interface CallFrame {
  functionName: string;
  url: string;
  lineNumber: number;
  columnNumber: number;
}
interface ProfileNode {
  id: number;
  callFrame: CallFrame;
  children?: number[];
}
interface CpuProfile {
  nodes: ProfileNode[];
  startTime: number;
  endTime: number;
  samples: number[];
  timeDeltas: number[];
}

/** Where code belongs, first match wins; paths are the TypeScript's for the bundle's frames. */
const LAYERS: [string, RegExp][] = [
  [
    'logging (pino)',
    /\/node_modules\/(pino|pino-std-serializers|sonic-boom|@pinojs\/redact|fast-redact|quick-format-unescaped|safe-stable-stringify|on-exit-leak-free|thread-stream|atomic-sleep)\//,
  ],
  ['rate limiting (@fastify/rate-limit)', /\/node_modules\/(@fastify\/rate-limit|toad-cache)\//],
  ['security headers (helmet)', /\/node_modules\/(@fastify\/helmet|helmet)\//],
  ['CORS (@fastify/cors)', /\/node_modules\/(@fastify\/cors|mnemonist)\//],
  ['zod: validation and serialization', /\/node_modules\/(zod|fastify-type-provider-zod)\//],
  ['metrics (prom-client)', /\/node_modules\/(prom-client|tdigest|bintrees)\//],
  [
    'pg: pool and protocol',
    /\/node_modules\/(pg|pg-pool|pg-protocol|pg-types|pg-int8|postgres-array|postgres-bytea|postgres-date|postgres-interval|pg-connection-string|pgpass|split2)\//,
  ],
  ['tokens (jose)', /\/node_modules\/jose\//],
  ['tsx loader', /\/node_modules\/(tsx|esbuild|get-tsconfig)\//],
  ['DBOS', /\/node_modules\/(@dbos-inc|@opentelemetry|superjson|knex)\//],
  ['WebSocket (ws)', /\/node_modules\/(ws|@fastify\/websocket)\//],
  [
    'Fastify core',
    /\/node_modules\/(fastify|find-my-way|avvio|light-my-request|fast-json-stringify|fast-querystring|fast-decode-uri-component|secure-json-parse|abstract-logging|process-warning|rfdc|ret|safe-regex2|content-type|fast-content-type-parse|proxy-addr|forwarded|ipaddr\.js|json-schema-ref-resolver|fast-uri|reusify|fastq|@fastify\/(error|ajv-compiler|fast-json-stringify-compiler|merge-json-schemas|proxy-addr|forwarded))\//,
  ],
  ['Aura: authentication', /\/packages\/server\/src\/modules\/auth\//],
  ['Aura: vault', /\/packages\/server\/src\/modules\/vault\//],
  ['Aura: http/ (hosts, gateway, metrics, errors)', /\/packages\/server\/src\/http\//],
  ['Aura: log.ts (request logs)', /\/packages\/server\/src\/log\.ts$/],
  ['Aura: other', /\/packages\/[a-z]+\/src\//],
  ['other libraries', /\/node_modules\//],
  ['Node: HTTP, net, streams, timers', /^node:/],
];

export interface LayerCost {
  layer: string;
  selfUs: number;
  insideUs: number;
}
export interface ProfileSummary {
  /** Sampled time in the window, and the share of it the thread was not idle. */
  windowMs: number;
  busyMs: number;
  layers: LayerCost[];
  functions: { name: string; selfUs: number }[];
}

const maps = new Map<string, SourceMap | undefined>();
function sourceMapOf(path: string): SourceMap | undefined {
  if (!maps.has(path)) {
    const file = `${path}.map`;
    maps.set(path, existsSync(file) ? new SourceMap(JSON.parse(readFileSync(file, 'utf8'))) : undefined);
  }
  return maps.get(path);
}

/** The frame's file (the TypeScript source for a bundle with a map) and line, 1-based. */
function placeOf(frame: CallFrame): { file: string; line: number } {
  const path = frame.url.startsWith('file://') ? fileURLToPath(frame.url) : frame.url;
  const map = path.endsWith('.mjs') ? sourceMapOf(path) : undefined;
  const entry = map?.findEntry(frame.lineNumber, frame.columnNumber);
  if (entry && 'originalSource' in entry) {
    const source = entry.originalSource.startsWith('file://')
      ? fileURLToPath(entry.originalSource)
      : resolve(dirname(path), entry.originalSource);
    return { file: source, line: entry.originalLine + 1 };
  }
  return { file: path, line: frame.lineNumber + 1 };
}

function layerOf(frame: CallFrame, file: string): string {
  if (!frame.url) {
    if (frame.functionName.startsWith('(')) return frame.functionName; // (garbage collector), (program), (idle)
    return 'native (V8 builtins, Node C++)';
  }
  return LAYERS.find(([, test]) => test.test(file))?.[0] ?? 'other';
}

/**
 * Self and inclusive time by layer in [fromUs, toUs] (the monotonic clock in microseconds, which
 * V8's profile timestamps and process.hrtime share), divided by `requests`.
 */
export function summarise(
  path: string,
  fromUs: number,
  toUs: number,
  requests: number,
  root: string,
  top = 25,
): ProfileSummary {
  const profile: CpuProfile = JSON.parse(readFileSync(path, 'utf8'));
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const parent = new Map<number, number>();
  for (const n of profile.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
  const info = new Map<number, { layer: string; name: string }>();
  for (const n of profile.nodes) {
    const place = placeOf(n.callFrame);
    const where = n.callFrame.url ? ` ${relative(root, place.file)}:${place.line}` : '';
    info.set(n.id, {
      layer: layerOf(n.callFrame, place.file),
      name: `${n.callFrame.functionName || '(anonymous)'}${where}`,
    });
  }
  const self = new Map<string, number>();
  const inside = new Map<string, number>();
  const functions = new Map<string, number>();
  let windowUs = 0;
  let idleUs = 0;
  let t = profile.startTime;
  for (let i = 0; i < profile.samples.length; i++) {
    t += profile.timeDeltas[i] ?? 0;
    const next = t + (profile.timeDeltas[i + 1] ?? 0);
    if (t < fromUs || next > toUs) continue;
    const us = next - t;
    const id = profile.samples[i] ?? 0;
    const own = info.get(id);
    if (!own) continue;
    windowUs += us;
    if (own.layer === '(idle)') {
      idleUs += us;
      continue;
    }
    self.set(own.layer, (self.get(own.layer) ?? 0) + us);
    functions.set(own.name, (functions.get(own.name) ?? 0) + us);
    const seen = new Set<string>();
    for (let at: number | undefined = id; at !== undefined && byId.has(at); at = parent.get(at)) {
      const layer = info.get(at)?.layer;
      if (layer && !seen.has(layer)) {
        seen.add(layer);
        inside.set(layer, (inside.get(layer) ?? 0) + us);
      }
    }
  }
  const per = (us: number) => us / Math.max(1, requests);
  return {
    windowMs: windowUs / 1000,
    busyMs: (windowUs - idleUs) / 1000,
    layers: [...self.keys()]
      .map((layer) => ({ layer, selfUs: per(self.get(layer) ?? 0), insideUs: per(inside.get(layer) ?? 0) }))
      .sort((a, b) => b.selfUs - a.selfUs),
    functions: [...functions]
      .map(([name, us]) => ({ name, selfUs: per(us) }))
      .sort((a, b) => b.selfUs - a.selfUs)
      .slice(0, top),
  };
}
