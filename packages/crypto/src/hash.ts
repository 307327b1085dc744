import { sha256 as nobleSha256 } from '@noble/hashes/sha2.js';

/** SHA-256 (FIPS 180-4), the same bytes in Node and the browser. */
export const sha256 = (data: Uint8Array): Uint8Array => nobleSha256(data);
