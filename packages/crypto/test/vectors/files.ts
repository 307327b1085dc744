import { readSharedJson } from '@aura/testing';

/** Every vector file the crypto suites read (from ../shared/data), keyed by what the suites call them. */
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
