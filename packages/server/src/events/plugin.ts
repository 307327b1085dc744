import type { FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';
import { maintainEventLog } from './partitions.ts';

const MONTHS_AHEAD = 2;

/**
 * Upkeep of the event log: partitions for the months ahead exist before they are needed,
 * those past the retention are dropped, and user_activity_summary is refreshed, at start-up and
 * then on a schedule (by one process at a time when several share the database).
 */
export const eventLogPlugin = fp(
  async (app: FastifyInstance) => {
    const { retentionMonths, maintenanceSeconds } = app.config.eventLog;
    const round = async () => {
      const plan = await maintainEventLog(app.pool, { monthsAhead: MONTHS_AHEAD, retentionMonths });
      if (plan && (plan.created.length || plan.detached.length))
        app.log.info({ created: plan.created, detached: plan.detached }, 'event log partitions kept');
    };
    await round();
    const timer = setInterval(() => {
      round().catch((error: unknown) =>
        app.log.warn({ err: { message: (error as Error).message } }, 'event log upkeep failed; it runs again later'),
      );
    }, maintenanceSeconds * 1000).unref();
    app.addHook('onClose', async () => clearInterval(timer));
  },
  { name: 'aura-event-log', fastify: '5.x', dependencies: ['aura-config', 'aura-database'] },
);
