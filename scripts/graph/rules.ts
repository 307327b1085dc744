/**
 * The package graph, as the build enforces it (docs/architecture.md draws it). A package's
 * sources may import only the entries listed for it; its tests, scripts and benchmarks may also
 * import what is listed under `tests`. `@aura/x/*` allows every subpath entry of x. Anything not
 * listed is refused, so a new edge is a change to this file, made on purpose and reviewed.
 */
export interface PackageRule {
  /** What the package's src/ may import. */
  readonly src: readonly string[];
  /** What its test/ and scripts/ may import besides src's list, itself and @aura/testing. */
  readonly tests: readonly string[];
}

const CLIENT_SIDE = ['@aura/errors', '@aura/protocol', '@aura/client', '@aura/client/*'];

export const RULES: Readonly<Record<string, PackageRule>> = {
  errors: { src: [], tests: [] },
  crypto: { src: ['@aura/errors'], tests: [] },
  protocol: { src: ['@aura/errors'], tests: [] },
  // Homomorphic intent analysis (CKKS): ./client holds the device's secret key, ./server only
  // evaluates with public Galois keys, ./model is the model file both read.
  he: { src: ['@aura/errors'], tests: [] },
  client: { src: ['@aura/errors', '@aura/crypto', '@aura/crypto/*', '@aura/protocol'], tests: [] },
  assistant: {
    src: ['@aura/errors', '@aura/protocol', '@aura/client', '@aura/he/client', '@aura/he/model'],
    tests: ['@aura/he/server'],
  },
  agent: { src: [...CLIENT_SIDE, '@aura/assistant'], tests: ['@aura/crypto', '@aura/crypto/*'] },
  cli: {
    src: [...CLIENT_SIDE, '@aura/assistant', '@aura/agent', '@aura/he/client'],
    tests: ['@aura/crypto', '@aura/crypto/*'],
  },
  web: { src: [...CLIENT_SIDE, '@aura/assistant', '@aura/he/client'], tests: [] },
  // The server holds no key: from crypto it may reach the SRP server half, the Merkle log and
  // public-key sealing and verification, nothing else (checked again by reachability below).
  server: {
    src: [
      '@aura/errors',
      '@aura/protocol',
      '@aura/crypto/public',
      '@aura/crypto/merkle',
      '@aura/crypto/srp',
      '@aura/he/server',
      '@aura/he/model',
    ],
    // Its tests play the user's devices against it.
    tests: ['@aura/crypto', '@aura/crypto/*', '@aura/client', '@aura/client/*', '@aura/he/client'],
  },
  // Tests only: the shared harness starts servers and makes users, so it sees both sides.
  testing: {
    src: ['@aura/errors', '@aura/crypto', '@aura/crypto/*', '@aura/protocol', ...CLIENT_SIDE, '@aura/server'],
    tests: [],
  },
};

/**
 * Benchmarks compose the whole system and time its inner parts (a repository, a crypto backend):
 * they may import any package by name, and any package's src/ by path, but no package's tests
 * (shared harness code is @aura/testing).
 */
export const BENCH_ALLOWED = ['@aura/*'];
export const BENCH_REACH = /^packages\/[a-z-]+\/src\//;

/**
 * Repository files that a package's build scripts (packages/x/scripts/, never src/ or test/) may
 * import by path: the esbuild options and plugins the CLI's bundles and the server's share.
 */
export const BUILD_SHARED = ['scripts/bundle.mjs'];

/** Where the server starts: every module reachable from these is server code. */
export const SERVER_ENTRIES = [
  'packages/server/src/main.ts',
  'packages/server/src/index.ts',
  'packages/server/src/ops.ts',
];

/**
 * Operations that need a user's or a device's secret key. No module reachable from the server's
 * entries may define one: the server cannot open, derive, unwrap or sign for a user even by mistake.
 */
export const SECRET_KEY_EXPORTS =
  /^(open[A-Z]\w*|openSealed|unwrap\w*|wrap\w*|derive\w*|generateAccountKey|sign|x25519SharedSecret|srpClient\w*|srpVerifier|xchachaOpen|blind\w*|sealEnvelope|argon2\w*)$/;
