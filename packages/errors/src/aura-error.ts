import { type ErrorCode, errorCodes } from './codes.ts';

/**
 * The one error type Aura throws on purpose. `code` is stable and machine-readable;
 * `message` is for a person and says what to do. Messages never carry secrets, keys,
 * tokens or plaintext: callers pass only names and sizes.
 */
export class AuraError extends Error {
  readonly code: ErrorCode;
  readonly status: number;

  constructor(code: ErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'AuraError';
    this.code = code;
    this.status = errorCodes[code].status;
  }
}

export function isAuraError(value: unknown, code?: ErrorCode): value is AuraError {
  return value instanceof AuraError && (code === undefined || value.code === code);
}
