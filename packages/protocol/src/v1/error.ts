import { type ErrorCode, errorCodes } from '@aura/errors';
import * as z from 'zod';

/** The registry's codes, as a schema: a code no Aura build defines is not an Aura error. */
export const ErrorCodeSchema = z.enum(Object.keys(errorCodes) as [ErrorCode, ...ErrorCode[]]);

/** Every error response: a stable code from docs/errors.md and a message for a person. */
export const ErrorBody = z.strictObject({
  error: z.strictObject({
    code: ErrorCodeSchema,
    message: z.string(),
    /** Which fields were wrong, never their values. */
    fields: z.array(z.strictObject({ path: z.string(), problem: z.string() })).optional(),
  }),
});
export type ErrorBody = z.infer<typeof ErrorBody>;
