import type { AuditLog, LogSigner, ServerConfig } from '@aura/server';
import type pg from 'pg';

/** The server's own audit log, with the key it signs checkpoints with. */
export interface ServerAuditLog {
  log: AuditLog;
  signer: LogSigner;
}

/**
 * The log and log key of a running test server, for suites that play a hostile server: one that
 * appends entries of its own and signs any checkpoint, as its operator could.
 */
export async function serverAuditLog(server: { pool: pg.Pool; config: ServerConfig }): Promise<ServerAuditLog> {
  const { AuditLog, loadLogSigner } = await import('@aura/server');
  const signer = await loadLogSigner(server.pool, server.config.auditLogName, server.config.auditOrigin);
  return { log: new AuditLog(server.pool, signer), signer };
}
