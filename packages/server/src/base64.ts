/**
 * The wire carries bytes as standard base64 (with padding); the database holds them as bytea.
 * These two are the only conversions between the two, so a reader never has to guess which
 * way a helper named `b64` goes.
 */

/** Wire text to bytes. Node skips characters outside the alphabet; the schemas reject them first. */
export const fromBase64 = (text: string): Buffer => Buffer.from(text, 'base64');

/** Bytes (a bytea column, a signature, a hash) to wire text. */
export const toBase64 = (bytes: Uint8Array): string => Buffer.from(bytes).toString('base64');
