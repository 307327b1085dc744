import type { ErrorCode } from '@aura/errors';

/** An error from PostgreSQL through pg: it carries the SQLSTATE as `code`. */
const sqlState = (error: unknown): string | undefined => {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === 'string' && /^[0-9A-Z]{5}$/.test(code) ? code : undefined;
};

/**
 * What a database error means for the caller, when it is one the caller can act on. Values are
 * checked at the edge, so these are the backstop: a client-caused error answers 4xx with a
 * stable code, a transient collision 503 to retry, and anything else stays a logged 500.
 * The message never carries PostgreSQL's text (it can quote the values).
 */
export function mapDatabaseError(
  error: unknown,
): { code: ErrorCode; message: string; retryAfter?: number } | undefined {
  const state = sqlState(error);
  if (!state) return undefined;
  if (state === '23505') return { code: 'AURA_CONFLICT', message: 'that id is already used in this account' };
  if (state === '23503')
    return { code: 'AURA_NOT_FOUND', message: 'the request refers to something that does not exist' };
  // 22xxx: data exceptions (a value out of range, an invalid text form, a NUL byte).
  if (state.startsWith('22'))
    return { code: 'AURA_INVALID_INPUT', message: 'a value in the request is out of range or malformed' };
  if (state === '40P01' || state === '40001')
    return {
      code: 'AURA_BUSY',
      message: 'the write collided with another one and was rolled back; retry',
      retryAfter: 1,
    };
  if (state.startsWith('08') || state === '57P01' || state === '57P03')
    return { code: 'AURA_NOT_READY', message: 'the server lost its database connection; retry shortly', retryAfter: 2 };
  return undefined;
}
