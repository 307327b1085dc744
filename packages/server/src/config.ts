import { isIP } from 'node:net';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { AuraError } from '@aura/errors';
import type { FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';

/** Everything the server reads from its environment. Documented in the README. */
export interface ServerConfig {
  /** postgres://… ; when absent, `npm start` runs embedded PostgreSQL under dataDir. */
  databaseUrl: string | undefined;
  /**
   * The proxies in front (AURA_TRUST_PROXY): their addresses or CIDRs. Only
   * then is X-Forwarded-For believed for the client's address, which rate limits and the login
   * backoff count by; behind an ingress without it, every client is the ingress.
   */
  trustProxy: false | string[];
  /** amqp://… : the event bus on RabbitMQ, shared by every server process; in process when absent. */
  amqpUrl: string | undefined;
  /** redis://… : rate-limit counters and the blob cache, shared by every server process; in process when absent. */
  redisUrl: string | undefined;
  /** The in-process blob cache's budget (without Redis). */
  cacheBytes: number;
  host: string;
  port: number;
  dataDir: string;
  /** Port of the embedded PostgreSQL (not used with DATABASE_URL). */
  embeddedPgPort: number;
  allowedOrigins: string[];
  /** Host header values served; `*.example.org` matches subdomains. Empty: any host. */
  allowedHosts: string[];
  jwtIssuer: string;
  jwtAudience: string;
  accessTokenSeconds: number;
  refreshTokenSeconds: number;
  bodyLimitBytes: number;
  rateLimits: { default: number; ai_inference: number; integrations: number };
  /** Failed logins per account or address before backoff starts. */
  loginFailuresBeforeBackoff: number;
  logLevel: LogLevel;
  /** How log lines are written; unset, pretty on a terminal and JSON lines otherwise (a file, a collector). */
  logFormat: LogFormat | undefined;
  /** The audit log's key name and the origin prefix of each user's checkpoints. */
  auditLogName: string;
  auditOrigin: string;
  /** Base64 Ed25519 public key of the operator who signs support agents' keys (M8). */
  supportOperatorKey: string | undefined;
  /** When set, GET /metrics answers only `Authorization: Bearer <this token>`. */
  metricsToken: string | undefined;
  /** The event log (PostgreSQL `events`): monthly partitions and the activity summary. */
  eventLog: {
    /** Whole months kept before the current one; older partitions are detached and dropped. */
    retentionMonths: number;
    /** How often partitions are made ahead and user_activity_summary refreshed. */
    maintenanceSeconds: number;
  };
  /** Web Push (VAPID): who the push services may contact about this server. */
  vapidSubject: string;
  /** The SMTP relay for email notices (`smtp://…` or `smtps://…`); no email when absent. */
  smtpUrl: string | undefined;
  /** A PEM file of the CA that signed the relay's certificate, when it is not a public one. */
  smtpCaFile: string | undefined;
  /** Sender of email notices. */
  mailFrom: string;
  /** The address people open Aura at, for the link in an email notice. */
  publicUrl: string;
  /** The web dashboard's build (packages/web/dist), served at `/`; none is served when it is absent. */
  webRoot: string;
  /**
   * Origins besides its own that the dashboard may connect to (AURA_WEB_CONNECT_ORIGINS, added to
   * its policy's connect-src): an embeddings endpoint the browser calls directly, never through
   * this server.
   */
  webConnectOrigins: string[];
  /** The durable workflows (DBOS) that run tasks. */
  orchestration: {
    /** Stable per server process: in DBOS 5 a process recovers only its own executor's workflows. */
    executorId: string;
    approvalTimeoutSeconds: number;
    stepTimeoutSeconds: number;
    retryInitialMs: number;
    retryMaxMs: number;
    attempts: number;
  };
}

export const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];
export const LOG_FORMATS = ['json', 'pretty'] as const;
export type LogFormat = (typeof LOG_FORMATS)[number];

/** One of a few words; unset or empty is undefined. */
function oneOf<T extends string>(env: NodeJS.ProcessEnv, name: string, allowed: readonly T[]): T | undefined {
  const raw = env[name];
  if (raw === undefined || raw === '') return undefined;
  const value = allowed.find((word) => word === raw);
  if (value === undefined) {
    throw new AuraError('AURA_INVALID_INPUT', `${name} must be one of ${allowed.join(', ')}, got "${raw}"`);
  }
  return value;
}

/** AURA_TRUST_PROXY: a comma list of addresses and CIDRs; never "trust anyone". */
function trustProxy(env: NodeJS.ProcessEnv): false | string[] {
  const raw = env.AURA_TRUST_PROXY?.trim();
  if (!raw) return false;
  const entries = raw.split(',').map((e) => e.trim());
  for (const entry of entries) {
    const [address = '', bits, extra] = entry.split('/');
    const family = isIP(address);
    const maxBits = family === 6 ? 128 : 32;
    const bitsOk = bits === undefined || (/^\d+$/.test(bits) && Number(bits) <= maxBits);
    if (!family || !bitsOk || extra !== undefined)
      throw new AuraError(
        'AURA_INVALID_INPUT',
        `AURA_TRUST_PROXY must be the proxies' addresses or CIDRs, separated by commas (such as 10.0.0.0/8,127.0.0.1); "${entry}" is not one`,
      );
  }
  return entries;
}

/**
 * AURA_WEB_CONNECT_ORIGINS: a comma list of http(s) origins, each exactly scheme, host and
 * optional port (no path, no wildcard): a policy source the browser cannot read more widely.
 */
export function webConnectOrigins(env: NodeJS.ProcessEnv): string[] {
  const origins = list(env.AURA_WEB_CONNECT_ORIGINS, []).map((entry) => {
    let url: URL | undefined;
    try {
      url = new URL(entry);
    } catch {
      url = undefined;
    }
    const bare = url && url.pathname === '/' && !url.search && !url.hash && !url.username && !url.password;
    if (!url || !bare || !/^https?:$/.test(url.protocol) || entry.includes('*') || !/^https?:\/\/[^/]+\/?$/.test(entry))
      throw new AuraError(
        'AURA_INVALID_INPUT',
        `AURA_WEB_CONNECT_ORIGINS must be http or https origins without a path or wildcard, separated by commas (such as https://embeddings.example.org,http://127.0.0.1:11434); "${entry}" is not one`,
      );
    return url.origin;
  });
  return [...new Set(origins)];
}

function integer(env: NodeJS.ProcessEnv, name: string, fallback: number, min = 0): number {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < min) {
    throw new AuraError('AURA_INVALID_INPUT', `${name} must be an integer >= ${min}, got "${raw}"`);
  }
  return value;
}

/** An optional secret: unset or empty is off; when set, it must be long enough not to be guessed. */
function secret(env: NodeJS.ProcessEnv, name: string, minLength: number): string | undefined {
  const raw = env[name];
  if (raw === undefined || raw === '') return undefined;
  if (raw.length < minLength || /\s/.test(raw)) {
    throw new AuraError('AURA_INVALID_INPUT', `${name} must be at least ${minLength} characters, without spaces`);
  }
  return raw;
}

const list = (raw: string | undefined, fallback: string[]) =>
  raw === undefined
    ? fallback
    : raw
        .split(',')
        .map((s) => s.trim())
        .filter(Boolean);

export function loadConfig(env: NodeJS.ProcessEnv = process.env): ServerConfig {
  const port = integer(env, 'PORT', 8787);
  return {
    databaseUrl: env.DATABASE_URL || undefined,
    trustProxy: trustProxy(env),
    amqpUrl: env.AMQP_URL || undefined,
    redisUrl: env.REDIS_URL || undefined,
    cacheBytes: integer(env, 'AURA_CACHE_MB', 64, 0) * 1024 * 1024,
    host: env.HOST ?? '127.0.0.1',
    port,
    dataDir: resolve(env.AURA_DATA_DIR ?? join(process.cwd(), '.aura-data')),
    embeddedPgPort: integer(env, 'AURA_PG_PORT', 54329, 1),
    allowedOrigins: list(env.AURA_ALLOWED_ORIGINS, [`http://localhost:${port}`, `http://127.0.0.1:${port}`]),
    allowedHosts: list(env.AURA_ALLOWED_HOSTS, ['localhost', '127.0.0.1', '[::1]']),
    jwtIssuer: env.AURA_JWT_ISSUER ?? 'https://auth.aura.local',
    jwtAudience: env.AURA_JWT_AUDIENCE ?? 'aura-api',
    accessTokenSeconds: integer(env, 'AURA_ACCESS_TOKEN_SECONDS', 15 * 60, 1),
    refreshTokenSeconds: integer(env, 'AURA_REFRESH_TOKEN_SECONDS', 30 * 24 * 3600, 1),
    bodyLimitBytes: integer(env, 'AURA_BODY_LIMIT', 4 * 1024 * 1024, 1024),
    rateLimits: {
      // Per account (or address, without a session) a minute: twenty `aura ask` (about eight
      // requests each) and a full audit verification fit well inside.
      default: integer(env, 'AURA_RATE_LIMIT_DEFAULT', 600, 1),
      ai_inference: integer(env, 'AURA_RATE_LIMIT_AI', 60, 1),
      integrations: integer(env, 'AURA_RATE_LIMIT_INTEGRATIONS', 50, 1),
    },
    loginFailuresBeforeBackoff: integer(env, 'AURA_LOGIN_FAILURES_BEFORE_BACKOFF', 5, 1),
    logLevel: oneOf(env, 'AURA_LOG_LEVEL', LOG_LEVELS) ?? 'info',
    logFormat: oneOf(env, 'AURA_LOG_FORMAT', LOG_FORMATS),
    auditLogName: env.AURA_AUDIT_LOG_NAME ?? 'aura-audit-log',
    auditOrigin: env.AURA_AUDIT_ORIGIN ?? 'aura.local/audit',
    supportOperatorKey: env.AURA_SUPPORT_OPERATOR_KEY || undefined,
    metricsToken: secret(env, 'AURA_METRICS_TOKEN', 16),
    eventLog: {
      retentionMonths: integer(env, 'AURA_EVENT_RETENTION_MONTHS', 12, 1),
      maintenanceSeconds: integer(env, 'AURA_EVENT_MAINTENANCE_SECONDS', 3600, 1),
    },
    vapidSubject: env.AURA_VAPID_SUBJECT || 'mailto:admin@aura.invalid',
    smtpUrl: env.AURA_SMTP_URL || undefined,
    smtpCaFile: env.AURA_SMTP_CA_FILE || undefined,
    mailFrom: env.AURA_MAIL_FROM || 'Aura <aura@localhost>',
    publicUrl: (env.AURA_PUBLIC_URL || `http://127.0.0.1:${port}`).replace(/\/+$/, ''),
    webRoot: resolve(env.AURA_WEB_ROOT || fileURLToPath(new URL('../../web/dist', import.meta.url))),
    webConnectOrigins: webConnectOrigins(env),
    orchestration: {
      executorId: env.AURA_EXECUTOR_ID || 'aura-local',
      approvalTimeoutSeconds: integer(env, 'AURA_APPROVAL_TIMEOUT_SECONDS', 24 * 3600, 1),
      stepTimeoutSeconds: integer(env, 'AURA_STEP_TIMEOUT_SECONDS', 5 * 60, 1),
      retryInitialMs: integer(env, 'AURA_STEP_RETRY_INITIAL_MS', 1000, 0),
      retryMaxMs: integer(env, 'AURA_STEP_RETRY_MAX_MS', 60_000, 0),
      attempts: integer(env, 'AURA_STEP_ATTEMPTS', 3, 1),
    },
  };
}

declare module 'fastify' {
  interface FastifyInstance {
    config: ServerConfig;
  }
}

/** The configuration, read once by main.ts (or a test) and shared by every module. */
export const configPlugin = fp(
  async (app: FastifyInstance, options: { config: ServerConfig }) => {
    app.decorate('config', options.config);
  },
  { name: 'aura-config', fastify: '5.x' },
);
