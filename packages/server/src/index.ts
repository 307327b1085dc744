export { type AppDependencies, buildApp, rateLimitClass } from './app.ts';
export { AuditLog } from './audit/log.ts';
export { type LogSigner, loadLogSigner } from './audit/signer.ts';
export { loadConfig, type ServerConfig } from './config.ts';
export { type EmbeddedDatabase, startEmbeddedPostgres } from './db/embedded.ts';
export { migrate, migrationNames } from './db/migrate.ts';
export { createPool } from './db/pool.ts';
