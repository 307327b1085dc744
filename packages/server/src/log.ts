import type { Writable } from 'node:stream';
import { type FastifyReply, type FastifyRequest, LogController } from 'fastify';
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
