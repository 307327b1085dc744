import { AuraError, type ErrorCode, errorCodes } from '@aura/errors';
import type { FastifyError, FastifyInstance, FastifyReply } from 'fastify';
import { hasZodFastifySchemaValidationErrors } from 'fastify-type-provider-zod';

export function sendError(
  reply: FastifyReply,
  code: ErrorCode,
  message: string,
  fields?: { path: string; problem: string }[],
) {
  return reply
    .code(errorCodes[code].status)
    .type('application/json')
    .send({ error: { code, message, ...(fields ? { fields } : {}) } });
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
        problem: issue.message ?? 'is invalid',
      }));
      return sendError(
        reply,
        'AURA_INVALID_INPUT',
        `invalid ${error.validationContext ?? 'request'}: ${fields.map((f) => `${f.path} ${f.problem}`).join('; ')}`.slice(
          0,
          500,
        ),
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
    if (error.statusCode === 429) {
      return sendError(reply, 'AURA_RATE_LIMITED', error.message || 'too many requests; wait and retry');
    }
    if (error.statusCode && error.statusCode >= 400 && error.statusCode < 500) {
      return sendError(reply, 'AURA_INVALID_INPUT', 'the request could not be understood');
    }
    request.log.error({ err: { type: error.name, code: error.code, stack: error.stack } }, 'unexpected error');
    return sendError(reply, 'AURA_INTERNAL', 'an unexpected error happened on the server; it was logged');
  });
  app.setNotFoundHandler((_request, reply) => sendError(reply, 'AURA_NOT_FOUND', 'no such route'));
}
