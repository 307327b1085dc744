import type { Writable } from 'node:stream';
import {
  type FastifyBaseLogger,
  type FastifyReply,
  type FastifyRequest,
  type FastifyServerOptions,
  LogController,
} from 'fastify';
import type { LogFormat } from './config.ts';

/**
 * Fastify's two lines for every request, at debug rather than info: a console at the default
 * level shows what happened to the server, not each health check. A request that failed keeps
 * Fastify's own line at error level.
 */
export class RequestLogs extends LogController {
  override incomingRequest(request: FastifyRequest): void {
    request.log.debug({ req: request }, 'incoming request');
  }

  override requestCompleted(error: Error | null | undefined, request: FastifyRequest, reply: FastifyReply): void {
    if (error) super.requestCompleted(error, request, reply);
    else reply.log.debug({ res: reply, responseTime: reply.elapsedTime }, 'request completed');
  }
}

type Level = 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace';
type Pino = FastifyBaseLogger & { isLevelEnabled(level: Level): boolean };
type Write = (...args: unknown[]) => void;

/**
 * A request's logger, made when the request first writes a line at a level the server logs:
 * pino's child() serialises its bindings (the request id) through the redactor at once, and
 * most requests write no line at all (decision 0019). Lines are the child's, as before.
 */
class RequestLogger implements FastifyBaseLogger {
  readonly #parent: Pino;
  readonly #bindings: Record<string, unknown>;
  #child: FastifyBaseLogger | undefined;

  constructor(parent: Pino, bindings: Record<string, unknown>) {
    this.#parent = parent;
    this.#bindings = bindings;
  }

  get level(): string {
    return this.#parent.level;
  }

  #made(): FastifyBaseLogger {
    this.#child ??= this.#parent.child(this.#bindings);
    return this.#child;
  }

  #write(level: Level, args: unknown[]): void {
    if (this.#parent.isLevelEnabled(level)) (this.#made()[level] as Write)(...args);
  }

  fatal(...args: unknown[]) {
    this.#write('fatal', args);
  }
  error(...args: unknown[]) {
    this.#write('error', args);
  }
  warn(...args: unknown[]) {
    this.#write('warn', args);
  }
  info(...args: unknown[]) {
    this.#write('info', args);
  }
  debug(...args: unknown[]) {
    this.#write('debug', args);
  }
  trace(...args: unknown[]) {
    this.#write('trace', args);
  }
  silent() {}

  child(...args: Parameters<FastifyBaseLogger['child']>): FastifyBaseLogger {
    return this.#made().child(...args);
  }
}

/** Fastify's childLoggerFactory: a lazy RequestLogger, or pino's child when a route sets its own level. */
export const requestLogger: NonNullable<FastifyServerOptions['childLoggerFactory']> = (logger, bindings, options) => {
  const pino = logger as Pino;
  if (Object.keys(options).length > 0 || typeof pino.isLevelEnabled !== 'function')
    return logger.child(bindings, options);
  return new RequestLogger(pino, bindings);
};

/** Whether log lines are for a person: asked for, or stdout is a terminal and JSON was not asked for. */
export const prettyLogs = (format: LogFormat | undefined, stdout: { isTTY?: boolean } = process.stdout) =>
  format === 'pretty' || (format === undefined && stdout.isTTY === true);

/**
 * Where the server's log lines go: JSON lines on stdout by default (pino's own stream), or one
 * readable line each. pino-pretty runs in this thread, not as a pino transport: no worker to start
 * before the first line, and a line written before `process.exit` is not lost. Loaded only when
 * used, so JSON logging does not pay for it. Redaction happens before either stream sees a line.
 */
export async function consoleLogStream(format: LogFormat | undefined): Promise<Writable | undefined> {
  if (!prettyLogs(format)) return undefined;
  const { default: pretty } = await import('pino-pretty');
  return pretty({
    // Written as it comes, like the start-up lines main.ts writes around it, so the order holds.
    sync: true,
    translateTime: 'SYS:HH:MM:ss',
    ignore: 'pid,hostname',
    singleLine: true,
  });
}
