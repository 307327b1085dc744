#!/usr/bin/env node
// `npm start` will bring up the Aura server on embedded PostgreSQL (issue #3). Until that
// lands there is no server to start, and saying so beats pretending.
console.error(`Aura is not runnable yet: only the crypto foundation exists.

  - packages/crypto   keys, envelopes, SRP-6a, sealing, signatures, blind indexes (done)
  - packages/server   the zero-knowledge server started by 'npm start' (next: issue #3)

Run the tests:       npm test
Run the benchmark:   npm run bench:crypto`);
process.exit(1);
