import { STATUS_CODES } from 'node:http';
import type { Duplex } from 'node:stream';
import { AuraError, type ErrorCode, errorCodes } from '@aura/errors';
import type { FastifyError, FastifyInstance, FastifyReply } from 'fastify';
import { hasZodFastifySchemaValidationErrors } from 'fastify-type-provider-zod';
import { mapDatabaseError } from './database-errors.ts';

/** An error body stays small whatever the request: a body with 20,000 bad keys gets the first few. */
const MAX_FIELDS = 10;
const MAX_MESSAGE = 500;
const MAX_PROBLEM = 200;
const cut = (text: string, max: number) => (text.length > max ? `${text.slice(0, max - 1)}…` : text);

export function sendError(
  reply: FastifyReply,
  code: ErrorCode,
  message: string,
  fields?: { path: string; problem: string }[],
) {
  return reply
    .code(errorCodes[code].status)
    .type('application/json')
    .send({
      error: {
        code,
        message: cut(message, MAX_MESSAGE),
        ...(fields ? { fields: fields.slice(0, MAX_FIELDS) } : {}),
      },
    });
}

const fastifyCodes: Record<string, [ErrorCode, string]> = {
  FST_ERR_CTP_INVALID_JSON_BODY: ['AURA_MALFORMED_JSON', 'the request body is not valid JSON'],
  FST_ERR_CTP_EMPTY_JSON_BODY: ['AURA_MALFORMED_JSON', 'the request body is empty but must be JSON'],
  FST_ERR_CTP_BODY_TOO_LARGE: ['AURA_PAYLOAD_TOO_LARGE', 'the request body is too large'],
  FST_ERR_CTP_INVALID_MEDIA_TYPE: ['AURA_UNSUPPORTED_MEDIA_TYPE', 'send the body as application/json'],
  FST_ERR_CTP_INVALID_CONTENT_LENGTH: ['AURA_MALFORMED_JSON', 'the Content-Length does not match the body'],
};

/**
 * Every failure leaves as `{error: {code, message}}` with a code from docs/errors.md.
 * Messages name fields, never their values; unexpected errors are logged and answered 500.
 */
export function registerErrorHandling(app: FastifyInstance): void {
  app.setErrorHandler((error: FastifyError, request, reply) => {
    if (hasZodFastifySchemaValidationErrors(error)) {
      const fields = error.validation.map((issue) => ({
        path: `${error.validationContext ?? 'body'}${issue.instancePath.replaceAll('/', '.')}`.replace(/\.$/, ''),
        // Zod lists every unknown key in one message: cut, so 20,000 keys cannot make a 230 KB answer.
        problem: cut(issue.message ?? 'is invalid', MAX_PROBLEM),
      }));
      const more = fields.length > MAX_FIELDS ? `; and ${fields.length - MAX_FIELDS} more` : '';
      return sendError(
        reply,
        'AURA_INVALID_INPUT',
        `invalid ${error.validationContext ?? 'request'}: ${fields
          .slice(0, MAX_FIELDS)
          .map((f) => `${f.path} ${f.problem}`)
          .join('; ')}${more}`,
        fields,
      );
    }
    if (error instanceof AuraError) {
      const retryAfter = (error as AuraError & { retryAfter?: number }).retryAfter;
      if (retryAfter) reply.header('retry-after', String(retryAfter));
      return sendError(reply, error.code, error.message);
    }
    const mapped = error.code ? fastifyCodes[error.code] : undefined;
    if (mapped) return sendError(reply, mapped[0], mapped[1]);
    const database = mapDatabaseError(error);
    if (database) {
      // Logged without PostgreSQL's message, which can quote the values.
      request.log.warn({ err: { type: error.name, code: error.code } }, 'database refused the request');
      if (database.retryAfter) reply.header('retry-after', String(database.retryAfter));
      return sendError(reply, database.code, database.message);
    }
    if (error.statusCode === 429) {
      return sendError(reply, 'AURA_RATE_LIMITED', error.message || 'too many requests; wait and retry');
    }
    if (error.statusCode && error.statusCode >= 400 && error.statusCode < 500) {
      return sendError(reply, 'AURA_INVALID_INPUT', 'the request could not be understood');
    }
    request.log.error({ err: { type: error.name, code: error.code, stack: error.stack } }, 'unexpected error');
    if (reply.sent || reply.raw.headersSent) return;
    return sendError(reply, 'AURA_INTERNAL', 'an unexpected error happened on the server; it was logged');
  });
  app.setNotFoundHandler((_request, reply) => sendError(reply, 'AURA_NOT_FOUND', 'no such route'));
}

/**
 * Errors Fastify's router raises before any route or error handler runs: a path segment over
 * the router's length limit, or a percent-encoding that does not decode. Answered in the
 * registry's form, without echoing the URL back.
 */
export function frameworkErrors(error: FastifyError, _request: unknown, reply: FastifyReply) {
  if (error.code === 'FST_ERR_MAX_PARAM_LENGTH')
    return sendError(reply, 'AURA_URI_TOO_LONG', 'a path segment is longer than any id this server uses');
  if (error.code === 'FST_ERR_BAD_URL')
    return sendError(reply, 'AURA_INVALID_INPUT', 'the URL is not valid: a path segment has a broken percent-encoding');
  return sendError(reply, 'AURA_INVALID_INPUT', 'the request could not be routed');
}

/**
 * What Node's HTTP parser refuses before Fastify sees a request (headers too large, a line that
 * is not HTTP): one JSON answer in the registry's form and the connection closed.
 */
export function clientErrorHandler(error: NodeJS.ErrnoException, socket: Duplex): void {
  // A client that went away or went silent gets no answer: there is no one to read it.
  if (error.code === 'ECONNRESET' || error.code === 'ERR_HTTP_REQUEST_TIMEOUT' || !socket.writable) {
    socket.destroy();
    return;
  }
  const [code, message]: [ErrorCode, string] =
    error.code === 'HPE_HEADER_OVERFLOW'
      ? ['AURA_HEADERS_TOO_LARGE', 'the request headers are larger than this server accepts']
      : ['AURA_INVALID_INPUT', 'the request is not valid HTTP/1.1'];
  const status = errorCodes[code].status;
  const body = JSON.stringify({ error: { code, message } });
  socket.end(
    `HTTP/1.1 ${status} ${STATUS_CODES[status]}\r\nContent-Type: application/json\r\n` +
      `Content-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`,
  );
}
