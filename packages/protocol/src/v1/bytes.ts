import { z } from 'zod';

const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;

/**
 * Bytes on the wire: standard base64 with padding. `exact` pins the decoded length,
 * `max` bounds it. Anything else is refused as AURA_INVALID_INPUT before a handler runs.
 */
export function base64Bytes(options: { exact: number } | { min?: number; max: number }) {
  const max = 'exact' in options ? options.exact : options.max;
  const min = 'exact' in options ? options.exact : (options.min ?? 0);
  const maxChars = Math.ceil(max / 3) * 4;
  return z
    .string()
    .max(maxChars, `at most ${max} bytes`)
    .regex(BASE64, 'must be standard base64')
    .refine(
      (s) => {
        const n = decodedLength(s);
        return n >= min && n <= max;
      },
      { message: min === max ? `must decode to exactly ${max} bytes` : `must decode to ${min}..${max} bytes` },
    );
}

export function decodedLength(s: string): number {
  const padding = s.endsWith('==') ? 2 : s.endsWith('=') ? 1 : 0;
  return (s.length / 4) * 3 - padding;
}
