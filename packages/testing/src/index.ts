// What every suite uses, for tests and benchmarks only (scripts/graph/rules.ts keeps src/ out).
// Heavy modules (the server, Playwright, esbuild, pg, smtp-server, crypto) are loaded by the
// function that needs them, so a suite pays only for what it starts.

export { type ServerAuditLog, serverAuditLog } from './audit.ts';
export {
  bundleForBrowser,
  CHROMIUM,
  CHROMIUM_NEED,
  type HeadlessChromium,
  haveChromium,
  launchChromium,
} from './browser.ts';
export { OPENSSL, selfSignedCertificate } from './certificate.ts';
export { databasePool, freshDatabase, migratedDatabase, type TestDatabase } from './database.ts';
export { DOVECOT, type Imap, startDovecot } from './dovecot.ts';
export { dumpDatabase, forms } from './dump.ts';
export { type EmbeddingsServer, startEmbeddingsServer } from './embeddings.ts';
export {
  arbitraryFromSchema,
  type JsonSchema,
  type Mutant,
  mutantFromSchema,
  type SchemaOptions,
} from './json-schema.ts';
export { HUGE, type Junk, junk, junkBytes, junkJson, junkStrings, junkValues } from './junk.ts';
export { MEMORY_SET, MEMORY_SET_DIMS, type MemoryCase, topicVector } from './memory-set.ts';
export { freePort, listening } from './port.ts';
export {
  httpInject,
  NPM_START,
  type ProcessRun,
  type ServerProcess,
  type StartedProcess,
  spawnServer,
  startProcess,
} from './process.ts';
export {
  type LocalPushService,
  type PushedMessage,
  type PushSubscriptionKeys,
  startPushService,
} from './push-service.ts';
export { RADICALE, type Radicale, startRadicale } from './radicale.ts';
export { type ServerPair, startServerPair, startTestServer, type TestServer } from './server.ts';
export { RABBITMQ_URL, REDIS_URL, skipUnlessServing, type TcpProxy, tcpProxy } from './services.ts';
export { readSharedJson, sharedDataDir } from './shared-data.ts';
export { absent, executableAt, type Need, program, skipUnless } from './skip.ts';
export { type ReceivedMail, type Smtp, startSmtp } from './smtp.ts';
export { type Inject, TestUser } from './user.ts';
export { waitFor } from './wait.ts';
