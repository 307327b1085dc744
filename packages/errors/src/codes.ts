/**
 * The registry of Aura's stable error codes. A code, once shipped, keeps its meaning forever:
 * clients branch on it, people search for it. `docs/errors.md` documents every entry, and a
 * test fails when the two disagree.
 *
 * `status` is the HTTP status the server answers with when this error crosses the wire.
 */
export const errorCodes = {
  AURA_INVALID_INPUT: {
    status: 400,
    summary: 'An argument or field is missing, of the wrong type, or out of range.',
  },
  AURA_CRYPTO_KDF_TOO_WEAK: {
    status: 400,
    summary: 'Argon2id parameters below the floor (t >= 3, m >= 64 MiB, p >= 1) were refused.',
  },
  AURA_CRYPTO_KDF_TOO_COSTLY: {
    status: 400,
    summary: 'Argon2id parameters above the ceiling were refused, so a server cannot exhaust a device.',
  },
  AURA_CRYPTO_DECRYPT_FAILED: {
    status: 400,
    summary: 'An envelope, wrapped key or sealed box could not be opened: wrong key, wrong slot, or altered bytes.',
  },
  AURA_CRYPTO_UNSUPPORTED_FORMAT: {
    status: 400,
    summary: 'A ciphertext names a format version or algorithm this build does not write.',
  },
  AURA_CRYPTO_BAD_SIGNATURE: {
    status: 400,
    summary: 'An Ed25519 signature did not verify for the expected key, context and message.',
  },
  AURA_CRYPTO_LOW_ORDER_POINT: {
    status: 400,
    summary: 'An X25519 public key of low order was refused (the shared secret would be all zero).',
  },
  AURA_CRYPTO_SRP_BAD_PUBLIC_VALUE: {
    status: 400,
    summary: 'An SRP public value was refused: A or B is zero modulo N, out of range, or u = 0.',
  },
  AURA_CRYPTO_SRP_BAD_PROOF: {
    status: 401,
    summary: 'An SRP proof (M1 or M2) did not match: wrong password, or the peer is not who it claims.',
  },
  AURA_CRYPTO_KEY_OUTPUT_TOO_LONG: {
    status: 400,
    summary: 'HKDF was asked for more than 255 hash lengths of output.',
  },
  AURA_MALFORMED_JSON: {
    status: 400,
    summary: 'The request body is not valid JSON.',
  },
  AURA_UNSUPPORTED_MEDIA_TYPE: {
    status: 415,
    summary: 'The request body is not application/json.',
  },
  AURA_PAYLOAD_TOO_LARGE: {
    status: 413,
    summary: 'The request body is larger than the server accepts.',
  },
  AURA_HOST_NOT_ALLOWED: {
    status: 400,
    summary: 'The Host header names a host this server does not serve.',
  },
  AURA_UNAUTHENTICATED: {
    status: 401,
    summary: 'The request needs a valid access token: it is missing, malformed, expired, or for another audience.',
  },
  AURA_SESSION_REVOKED: {
    status: 401,
    summary: 'The session behind this token was logged out or revoked.',
  },
  AURA_REFRESH_TOKEN_INVALID: {
    status: 401,
    summary: 'The refresh token is unknown or expired.',
  },
  AURA_REFRESH_TOKEN_REUSED: {
    status: 401,
    summary: 'A refresh token was used twice; the whole session was revoked to be safe.',
  },
  AURA_AUTH_CHALLENGE_INVALID: {
    status: 401,
    summary: 'The login challenge is unknown, expired or already used.',
  },
  AURA_ACCOUNT_EXISTS: {
    status: 409,
    summary: 'An account with this email already exists.',
  },
  AURA_NOT_FOUND: {
    status: 404,
    summary: 'No such route, or no such record for this account.',
  },
  AURA_CONFLICT: {
    status: 409,
    summary: 'The record changed since it was read (row version mismatch), or the id is taken.',
  },
  AURA_RATE_LIMITED: {
    status: 429,
    summary: 'Too many requests or failed logins; wait the number of seconds in Retry-After.',
  },
  AURA_URI_TOO_LONG: {
    status: 414,
    summary: 'The request URL, or one of its path segments, is longer than the server accepts.',
  },
  AURA_HEADERS_TOO_LARGE: {
    status: 431,
    summary: 'The request headers are larger than the server accepts.',
  },
  AURA_BUSY: {
    status: 503,
    summary: 'A write collided with another one on the same rows and was rolled back; nothing was stored.',
  },
  AURA_LAST_DEVICE: {
    status: 409,
    summary: 'Revoking this device would leave the account with no device that can approve new ones.',
  },
  AURA_NOT_READY: {
    status: 503,
    summary: 'The server is up but cannot reach its database yet.',
  },
  AURA_INTERNAL: {
    status: 500,
    summary: 'An unexpected server error; it was logged without request data.',
  },
  AURA_NOT_LOGGED_IN: {
    status: 401,
    summary: 'This device has no session: log in (or enroll the device) first.',
  },
  AURA_ROLLBACK_DETECTED: {
    status: 409,
    summary:
      'The server returned an older version of a record than this device has seen, or a version the record does not carry.',
  },
  AURA_VAULT_INCONSISTENT: {
    status: 409,
    summary:
      "The server's answer does not match the vault's signed history: a record is missing, extra, stale or altered, or a search hid one.",
  },
  AURA_DEVICE_LIST_TAMPERED: {
    status: 409,
    summary:
      "The server's device list does not match the account's signed evidence: an inserted device, a replaced key, or a revocation undone.",
  },
  AURA_KDF_PARAMS_TAMPERED: {
    status: 409,
    summary:
      'The key-derivation parameters the server sent are not the ones the account was set up with; nothing was opened with them.',
  },
  AURA_DEVICE_REQUIRED: {
    status: 403,
    summary: 'This change must be signed by an enrolled device, and this session has none.',
  },
  AURA_ENROLLMENT_INVALID: {
    status: 400,
    summary:
      'A device enrollment could not be verified: wrong code, bad approver signature, or a key that does not match.',
  },
  AURA_SERVER_MISBEHAVED: {
    status: 502,
    summary: 'The server answered something a correct Aura server never would; nothing from that answer was used.',
  },
  AURA_SERVER_UNREACHABLE: {
    status: 503,
    summary: 'The Aura server could not be reached.',
  },
  AURA_AUDIT_INTEGRITY: {
    status: 409,
    summary:
      'The audit log failed verification: a checkpoint, consistency or inclusion proof does not hold (rewritten, truncated or forked log).',
  },
  AURA_FORBIDDEN: {
    status: 403,
    summary: 'This account may not do that (for example, a route for support agents called by a user).',
  },
  AURA_SUPPORT_NOT_CONFIGURED: {
    status: 400,
    summary: 'Support access needs an operator key, and none is configured.',
  },
  AURA_SUPPORT_AGENT_UNTRUSTED: {
    status: 400,
    summary: "A support agent's keys are not signed by the operator key this client trusts.",
  },
  AURA_SUPPORT_GRANT_INVALID: {
    status: 400,
    summary: 'A support grant does not match what the user signed (agent, categories, window) or is malformed.',
  },
  AURA_SUPPORT_GRANT_INACTIVE: {
    status: 403,
    summary: 'The support grant has expired or was revoked.',
  },
  AURA_PROVIDER_UNAVAILABLE: {
    status: 503,
    summary: 'The configured language-model endpoint did not answer, or answered something unusable.',
  },
  AURA_APPROVAL_INVALID: {
    status: 400,
    summary:
      'An approval is not signed by an enrolled, certified, unrevoked device of the account over this exact step, or it has expired.',
  },
  AURA_TASK_NOT_WAITING: {
    status: 409,
    summary: 'The step is not waiting for a decision: it was decided already, expired, or never needed approval.',
  },
  AURA_ORCHESTRATION_DISABLED: {
    status: 503,
    summary: 'This server runs without its workflow engine, so it cannot run tasks.',
  },
  AURA_PLUGIN_UNAVAILABLE: {
    status: 400,
    summary: 'No enabled plugin offers this action, or the plugin is not configured.',
  },
  AURA_ACTION_NOT_PERMITTED: {
    status: 403,
    summary: "The user's plugin permissions do not allow this action.",
  },
  AURA_HE_INVALID_CIPHERTEXT: {
    status: 400,
    summary:
      'A homomorphic-inference ciphertext is not one these CKKS parameters accept: wrong length, header, level, scale or data.',
  },
  AURA_HE_INVALID_KEYS: {
    status: 400,
    summary:
      "Uploaded Galois keys are not valid for the server's CKKS parameters, or lack a rotation step the model needs.",
  },
  AURA_HE_KEYS_REQUIRED: {
    status: 409,
    summary: 'This device has uploaded no homomorphic-inference keys yet.',
  },
  AURA_HE_FOREIGN_KEY: {
    status: 403,
    summary:
      "The ciphertext names a key set other than the one this device uploaded: it was made under another device's keys.",
  },
  AURA_HE_MODEL_MISMATCH: {
    status: 409,
    summary: "The server's homomorphic intent model is not the one this client extracts features for.",
  },
} as const satisfies Record<string, { status: number; summary: string }>;

export type ErrorCode = keyof typeof errorCodes;
