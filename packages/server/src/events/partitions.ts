import type pg from 'pg';

/** An advisory lock id: one process at a time keeps the event log's partitions and summary. */
const MAINTENANCE_LOCK = 0x41555241_01; // "AURA", 1

const monthStart = (year: number, month: number) => new Date(Date.UTC(year, month, 1));
const partitionName = (start: Date) =>
  `events_${start.getUTCFullYear()}_${String(start.getUTCMonth() + 1).padStart(2, '0')}`;

export interface PartitionPlan {
  /** Partitions that exist after this run, oldest first. */
  kept: string[];
  created: string[];
  detached: string[];
}

/**
 * Keeps one partition of `events` per month: this one and `monthsAhead` after it exist before
 * they are needed, and those wholly older than `retentionMonths` are detached and dropped (the
 * log keeps what a device needs to catch up, and the summary's thirty days, not forever).
 */
export async function maintainPartitions(
  db: pg.Pool | pg.PoolClient,
  options: { now?: Date; monthsAhead: number; retentionMonths: number },
): Promise<PartitionPlan> {
  const now = options.now ?? new Date();
  const existing = new Set(await partitions(db));
  const created: string[] = [];
  for (let i = 0; i <= options.monthsAhead; i++) {
    const from = monthStart(now.getUTCFullYear(), now.getUTCMonth() + i);
    const to = monthStart(now.getUTCFullYear(), now.getUTCMonth() + i + 1);
    const name = partitionName(from);
    if (existing.has(name)) continue;
    await db.query(
      `CREATE TABLE IF NOT EXISTS ${name} PARTITION OF events FOR VALUES FROM ('${from.toISOString()}') TO ('${to.toISOString()}')`,
    );
    created.push(name);
  }
  const oldestKept = monthStart(now.getUTCFullYear(), now.getUTCMonth() - options.retentionMonths);
  const detached: string[] = [];
  for (const name of [...existing, ...created]) {
    const [year, month] = name.slice('events_'.length).split('_').map(Number) as [number, number];
    if (monthStart(year, month - 1) >= oldestKept) continue;
    await db.query(`ALTER TABLE events DETACH PARTITION ${name}`);
    await db.query(`DROP TABLE ${name}`);
    detached.push(name);
  }
  return { kept: await partitions(db), created, detached };
}

async function partitions(db: pg.Pool | pg.PoolClient): Promise<string[]> {
  const { rows } = await db.query<{ name: string }>(
    `SELECT c.relname AS name FROM pg_inherits i
       JOIN pg_class c ON c.oid = i.inhrelid JOIN pg_class p ON p.oid = i.inhparent
      WHERE p.relname = 'events' ORDER BY c.relname`,
  );
  return rows.map((r) => r.name).filter((n) => /^events_\d{4}_\d{2}$/.test(n));
}

/** Recomputes user_activity_summary without blocking its readers. */
export async function refreshActivitySummary(db: pg.Pool | pg.PoolClient): Promise<void> {
  await db.query('REFRESH MATERIALIZED VIEW CONCURRENTLY user_activity_summary');
}

/**
 * One round of upkeep, by whichever process takes the lock first; the others skip the round.
 * Returns null when another process held it.
 */
export async function maintainEventLog(
  pool: pg.Pool,
  options: { now?: Date; monthsAhead: number; retentionMonths: number },
): Promise<PartitionPlan | null> {
  const client = await pool.connect();
  try {
    const { rows } = await client.query<{ ok: boolean }>('SELECT pg_try_advisory_lock($1) AS ok', [MAINTENANCE_LOCK]);
    if (!rows[0]?.ok) return null;
    try {
      const plan = await maintainPartitions(client, options);
      await refreshActivitySummary(client);
      return plan;
    } finally {
      await client.query('SELECT pg_advisory_unlock($1)', [MAINTENANCE_LOCK]);
    }
  } finally {
    client.release();
  }
}
