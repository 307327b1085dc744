import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * ../shared/data beside the checkout (or AURA_SHARED_DATA). The data is outside the project on
 * purpose; a test that needs it and cannot find it fails, loudly, rather than skipping.
 */
export function sharedDataDir(): string {
  if (process.env.AURA_SHARED_DATA) return resolve(process.env.AURA_SHARED_DATA);
  let dir = dirname(fileURLToPath(import.meta.url));
  for (let i = 0; i < 8; i++) {
    const candidate = join(dir, '..', 'shared', 'data');
    if (existsSync(join(candidate, 'README.md'))) return candidate;
    dir = dirname(dir);
  }
  throw new Error('shared test data not found: expected ../shared/data beside the checkout, or set AURA_SHARED_DATA');
}

export function readSharedJson<T = unknown>(relativePath: string): T {
  return JSON.parse(readFileSync(join(sharedDataDir(), relativePath), 'utf8')) as T;
}

/** Every vector file the crypto suites read, keyed by what the suites call them. */
export function loadVectorFiles() {
  return {
    xchacha: readSharedJson('vectors/wycheproof/xchacha20_poly1305_test.json'),
    chacha: readSharedJson('vectors/wycheproof/chacha20_poly1305_test.json'),
    hkdf: readSharedJson('vectors/wycheproof/hkdf_sha256_test.json'),
    hmac: readSharedJson('vectors/wycheproof/hmac_sha256_test.json'),
    x25519: readSharedJson('vectors/wycheproof/x25519_test.json'),
    ed25519: readSharedJson('vectors/wycheproof/ed25519_test.json'),
    argon2: readSharedJson('vectors/argon2/argon2-vectors.json'),
    merkle: readSharedJson('vectors/merkle/rfc6962-vectors.json'),
    srp: {
      rfc5054Extracted: readSharedJson('vectors/srp/rfc5054-vectors.json'),
      rfc5054: readSharedJson('vectors/srp/secure-remote-password-test-vectors/rfc5054.json'),
      srptools: readSharedJson('vectors/srp/secure-remote-password-test-vectors/srptools.json'),
    },
  };
}

export type VectorFiles = ReturnType<typeof loadVectorFiles>;
