import { z } from 'zod';

/** Every error response: a stable code from docs/errors.md and a message for a person. */
export const ErrorBody = z.strictObject({
  error: z.strictObject({
    code: z.string().regex(/^AURA_[A-Z0-9_]+$/),
    message: z.string(),
    /** Which fields were wrong, never their values. */
    fields: z.array(z.strictObject({ path: z.string(), problem: z.string() })).optional(),
  }),
});
