import type { FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';
import { Orchestrator } from './orchestrator.ts';

declare module 'fastify' {
  interface FastifyInstance {
    /** The task workflow engine; null when the server runs without one (task routes then refuse). */
    workflow: Orchestrator | null;
  }
}

/** Starts DBOS on `databaseUrl` (its system tables in the `dbos` schema) and stops it with the app. */
export const workflowPlugin = fp(
  async (app: FastifyInstance, options: { databaseUrl?: string | undefined }) => {
    if (!options.databaseUrl) {
      app.decorate('workflow', null);
      return;
    }
    const orchestrator = new Orchestrator(
      app.pool,
      app.audit,
      app.notifier,
      app.agentHub,
      app.agentWake,
      app.config.orchestration,
      app.metricsRegistry,
    );
    await orchestrator.start(options.databaseUrl);
    app.decorate('workflow', orchestrator);
    app.addHook('onClose', async () => {
      app.agentHub.closeAll();
      await orchestrator.stop();
    });
  },
  {
    name: 'aura-workflow',
    fastify: '5.x',
    dependencies: ['aura-config', 'aura-database', 'aura-audit', 'aura-notifications', 'aura-agent-hub'],
  },
);
