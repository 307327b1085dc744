// Reading deploy/compose.yaml, deploy/.env.example and deploy/docker/*.Dockerfile as Docker
// reads them, for the suites that check the deployment files (deploy-compose*.test.ts): the
// static checks, and the topology run as plain processes, which needs the servers' and the
// agent's environment exactly as compose would give it, without Docker.
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { parse } from 'yaml';
import { z } from 'zod';

export const ROOT = fileURLToPath(new URL('../../../', import.meta.url));
export const COMPOSE_FILE = `${ROOT}deploy/compose.yaml`;
export const ENV_EXAMPLE = `${ROOT}deploy/.env.example`;
export const dockerfilePath = (name: 'server' | 'agent') => `${ROOT}deploy/docker/${name}.Dockerfile`;

/** An env file as compose reads it: NAME=value lines; blank lines and # comments skipped. */
export function readEnvFile(path: string): Record<string, string> {
  const vars: Record<string, string> = {};
  for (const line of readFileSync(path, 'utf8').split('\n')) {
    const trimmed = line.trim();
    if (trimmed === '' || trimmed.startsWith('#')) continue;
    const at = trimmed.indexOf('=');
    if (at <= 0) throw new Error(`${path}: not NAME=value: ${line}`);
    vars[trimmed.slice(0, at)] = trimmed.slice(at + 1);
  }
  return vars;
}

/**
 * Compose's interpolation: $$ is a dollar; ${NAME}, $NAME; ${NAME:-default} (unset or empty),
 * ${NAME-default} (unset); ${NAME:?message} and ${NAME?message} fail when it is missing.
 */
export function interpolate(text: string, vars: Record<string, string>): string {
  return text.replace(
    /\$\$|\$\{([A-Za-z_][A-Za-z0-9_]*)(?:(:?[-?])([^}]*))?\}|\$([A-Za-z_][A-Za-z0-9_]*)/g,
    (whole, braced: string | undefined, op: string | undefined, arg: string | undefined, bare: string | undefined) => {
      if (whole === '$$') return '$';
      const name = braced ?? bare ?? '';
      const value = vars[name];
      const missing = op?.startsWith(':') ? !value : value === undefined;
      if (op?.endsWith('?') && missing) throw new Error(`required variable ${name} is missing: ${arg}`);
      if (op?.endsWith('-') && missing) return arg ?? '';
      return value ?? '';
    },
  );
}

const Scalar = z.union([z.string(), z.number(), z.boolean(), z.null()]);
const Command = z.union([z.string(), z.array(z.string())]);

const Service = z.looseObject({
  image: z.string().optional(),
  build: z.object({ context: z.string(), dockerfile: z.string() }).optional(),
  // Compose allows a map or a list of NAME=value; this file uses maps.
  environment: z.record(z.string(), Scalar).optional(),
  command: Command.optional(),
  entrypoint: Command.optional(),
  healthcheck: z.looseObject({ test: z.array(z.string()) }).optional(),
  depends_on: z.union([z.array(z.string()), z.record(z.string(), z.object({ condition: z.string() }))]).optional(),
  volumes: z.array(z.string()).optional(),
  ports: z.array(z.string()).optional(),
  user: z.string().optional(),
});
export type ComposeService = z.infer<typeof Service>;

const ComposeFile = z.looseObject({
  services: z.record(z.string(), Service),
  volumes: z.record(z.string(), z.unknown()).optional(),
});
export type Compose = z.infer<typeof ComposeFile>;

/** Every string in a parsed YAML document, interpolated. */
function interpolateAll(value: unknown, vars: Record<string, string>): unknown {
  if (typeof value === 'string') return interpolate(value, vars);
  if (Array.isArray(value)) return value.map((v) => interpolateAll(v, vars));
  if (value && typeof value === 'object')
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, interpolateAll(v, vars)]));
  return value;
}

/**
 * A compose document (deploy/compose.yaml unless `text` is given) with its variables from the
 * env file, as `docker compose --env-file FILE config` resolves it: YAML merge keys (`<<:`, the
 * anchors the two servers share) expanded, every string interpolated.
 */
export function loadCompose(
  vars: Record<string, string> = readEnvFile(ENV_EXAMPLE),
  text = readFileSync(COMPOSE_FILE, 'utf8'),
): Compose {
  return ComposeFile.parse(interpolateAll(parse(text, { merge: true }), vars));
}

/** deploy/compose.yaml as written: merge keys expanded, the ${VAR}s left as they are. */
export const rawCompose = (text = readFileSync(COMPOSE_FILE, 'utf8')): Compose =>
  ComposeFile.parse(parse(text, { merge: true }));

/** A service's environment as the strings its process gets. */
export function environmentOf(service: ComposeService | undefined): Record<string, string> {
  return Object.fromEntries(
    Object.entries(service?.environment ?? {}).map(([k, v]) => [k, v === null ? '' : String(v)]),
  );
}

/** The services that run the Aura server: those built from deploy/docker/server.Dockerfile. */
export const serverServices = (compose: Compose) =>
  Object.entries(compose.services).filter(([, s]) => s.build?.dockerfile === 'deploy/docker/server.Dockerfile');

export interface Instruction {
  keyword: string;
  args: string;
}

/** A Dockerfile's instructions in order, continuation lines joined, comments dropped. */
export function dockerfileInstructions(text: string): Instruction[] {
  const logical: string[] = [];
  let current = '';
  for (const line of text.split('\n')) {
    if (current === '' && /^\s*#/.test(line)) continue;
    if (current === '' && line.trim() === '') continue;
    if (line.endsWith('\\')) {
      current += `${line.slice(0, -1)} `;
      continue;
    }
    logical.push(current + line);
    current = '';
  }
  return logical.map((l) => {
    const match = /^\s*(\S+)\s*(.*)$/.exec(l);
    return { keyword: (match?.[1] ?? '').toUpperCase(), args: (match?.[2] ?? '').trim() };
  });
}

/** The instructions of one stage (`FROM … AS name` up to the next FROM). */
export function stage(instructions: Instruction[], name: string): Instruction[] {
  const start = instructions.findIndex(
    (i) => i.keyword === 'FROM' && new RegExp(`\\sAS\\s+${name}$`, 'i').test(i.args),
  );
  if (start < 0) return [];
  const end = instructions.findIndex((i, n) => n > start && i.keyword === 'FROM');
  return instructions.slice(start, end < 0 ? undefined : end);
}

/** The variables the ENV instructions of a stage set (the NAME=value form). */
export function stageEnv(instructions: Instruction[]): Record<string, string> {
  const env: Record<string, string> = {};
  for (const i of instructions.filter((x) => x.keyword === 'ENV'))
    for (const [, name, value] of i.args.matchAll(/([A-Za-z_][A-Za-z0-9_]*)=("[^"]*"|\S*)/g))
      if (name !== undefined && value !== undefined) env[name] = value.replace(/^"(.*)"$/, '$1');
  return env;
}

/** An instruction's exec form (`CMD ["node", …]`), parsed; undefined for the shell form. */
export function execForm(args: string): string[] | undefined {
  if (!args.startsWith('[')) return undefined;
  return z.array(z.string()).parse(JSON.parse(args));
}

/** The last instruction of a kind in a stage (the one that counts, for CMD, USER, HEALTHCHECK). */
export const last = (instructions: Instruction[], keyword: string) =>
  instructions.filter((i) => i.keyword === keyword).at(-1);

/** The runtime stage of a Dockerfile in deploy/docker. */
export const runtimeStage = (name: 'server' | 'agent') =>
  stage(dockerfileInstructions(readFileSync(dockerfilePath(name), 'utf8')), 'runtime');

/** The command a HEALTHCHECK runs (its exec form after CMD). */
export function healthcheckCommand(instruction: Instruction | undefined): string[] | undefined {
  const at = instruction?.args.indexOf('CMD ') ?? -1;
  return instruction && at >= 0 ? execForm(instruction.args.slice(at + 4).trim()) : undefined;
}

/** Every environment variable packages/server/src/config.ts reads: `env.NAME` and `(env, 'NAME'`. */
export function variablesConfigReads(): Set<string> {
  const source = readFileSync(`${ROOT}packages/server/src/config.ts`, 'utf8');
  return new Set(
    [...source.matchAll(/\benv\.([A-Z][A-Z0-9_]*)|\(env, '([A-Z][A-Z0-9_]*)'/g)].map((m) => m[1] ?? m[2] ?? ''),
  );
}
