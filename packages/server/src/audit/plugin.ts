import type { FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';
import { AuditLog } from './log.ts';
import { type LogSigner, loadLogSigner } from './signer.ts';

declare module 'fastify' {
  interface FastifyInstance {
    /** The per-user Merkle log every module writes to before it acts. */
    audit: AuditLog;
    auditSigner: LogSigner;
  }
}

/** The audit log, with each committed entry announced to the user's connected clients. */
export const auditPlugin = fp(
  async (app: FastifyInstance) => {
    const signer = await loadLogSigner(app.pool, app.config.auditLogName, app.config.auditOrigin);
    const audit = new AuditLog(app.pool, signer, (userId, entry, index) =>
      app.notifier.publish(userId, {
        type: 'audit',
        index,
        eventType: entry.eventType,
        action: entry.action,
        result: entry.result,
        actorType: entry.actorType,
      }),
    );
    app.decorate('audit', audit);
    app.decorate('auditSigner', signer);
  },
  { name: 'aura-audit', fastify: '5.x', dependencies: ['aura-config', 'aura-database', 'aura-notifications'] },
);
