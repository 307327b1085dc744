import type pg from 'pg';
import { Gauge, type Registry } from 'prom-client';

/**
 * The workflow backlog and the approvals waiting, read from the tasks tables at each scrape:
 * counts and one age across all users, with no label that names a user or a task (M13). Every
 * process reports the same numbers (they are the database's); alerts take the max, not the sum.
 */
export function registerTaskMetrics(registry: Registry, pool: pg.Pool): void {
  // A database that does not answer leaves these unset for one scrape: /metrics itself still
  // answers, and the process's own metrics with it (the readiness check reports the database).
  const query = async <R extends pg.QueryResultRow>(sql: string): Promise<R[] | undefined> =>
    pool.query<R>(sql).then(
      (r) => r.rows,
      () => undefined,
    );
  new Gauge({
    name: 'aura_tasks',
    help: 'Tasks by status, across all users',
    labelNames: ['status'],
    registers: [registry],
    async collect() {
      const rows = await query<{ status: string; n: number }>(
        'SELECT status, count(*)::int AS n FROM tasks GROUP BY status',
      );
      if (!rows) return;
      for (const status of ['waiting_approval', 'running', 'completed', 'cancelled', 'failed'])
        this.set({ status }, rows.find((r) => r.status === status)?.n ?? 0);
    },
  });
  new Gauge({
    name: 'aura_steps_waiting_approval',
    help: 'Steps waiting for a signed approval, across all users',
    registers: [registry],
    async collect() {
      const rows = await query<{ n: number }>(
        "SELECT count(*)::int AS n FROM task_steps WHERE status = 'waiting_approval'",
      );
      if (rows) this.set(rows[0]?.n ?? 0);
    },
  });
  new Gauge({
    name: 'aura_approval_next_expiry_seconds',
    help: 'Seconds until the first waiting approval expires (and its task is cancelled); -1 when none waits',
    registers: [registry],
    async collect() {
      const rows = await query<{ s: number | null }>(
        `SELECT EXTRACT(EPOCH FROM min(approval_expires_at) - now())::float8 AS s
           FROM task_steps WHERE status = 'waiting_approval'`,
      );
      if (rows) this.set(rows[0]?.s ?? -1);
    },
  });
}
