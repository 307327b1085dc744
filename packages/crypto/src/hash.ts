import { platform } from '#platform';

/** SHA-256 (FIPS 180-4), the same bytes in Node (OpenSSL) and the browser (@noble/hashes). */
export const sha256 = (data: Uint8Array): Uint8Array => platform.sha256(data);
