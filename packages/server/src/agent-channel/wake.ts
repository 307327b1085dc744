import type { FastifyBaseLogger } from 'fastify';
import pg from 'pg';
import type { AgentHub } from './hub.ts';

const CHANNEL = 'aura_agent_work';
const RELISTEN_MS = 1_000;

/**
 * Work for an agent connected to another server process. A process that queues a request or
 * dispatches a step finds no agent of the user among its own connections: the agent may be
 * connected to another process of the same deployment. It says so on PostgreSQL's NOTIFY (the
 * database every process shares; the payload is the user id only), and the process holding the
 * agent's socket sends it a `hello`, after which the agent claims what is pending. Without it,
 * the work waited for the agent's next connection.
 */
export class AgentWake {
  // Its own connection, not one of the pool's: a LISTEN holds it for the life of the process, and
  // a pool with a client checked out for good would never end.
  #client: pg.Client | undefined;
  #stopped = false;
  #retry: NodeJS.Timeout | undefined;

  constructor(
    private readonly pool: pg.Pool,
    private readonly hub: AgentHub,
    private readonly log: FastifyBaseLogger,
  ) {}

  async start(): Promise<void> {
    const { max: _max, idleTimeoutMillis: _idle, ...connection } = this.pool.options;
    const client = new pg.Client(connection);
    this.#client = client;
    await client.connect();
    client.on('notification', (message) => {
      if (message.channel === CHANNEL && message.payload && this.hub.has(message.payload))
        this.hub.wake(message.payload);
    });
    // A dropped connection is listened on again; until then agents here are woken at their next connect.
    client.on('error', () => this.#again(client));
    await client.query(`LISTEN ${CHANNEL}`);
  }

  #again(client?: pg.Client): void {
    if (client) {
      void client.end().catch(() => {});
      if (this.#client === client) this.#client = undefined;
    }
    if (this.#stopped || this.#retry) return;
    this.log.warn('the agent wake-up channel lost its database connection; listening again');
    this.#retry = setTimeout(() => {
      this.#retry = undefined;
      this.start().catch(() => this.#again());
    }, RELISTEN_MS);
    this.#retry.unref();
  }

  /** Work is waiting for the user's agent, which is not connected to this process. */
  async signal(userId: string): Promise<void> {
    await this.pool.query('SELECT pg_notify($1, $2)', [CHANNEL, userId]).catch((error: Error) => {
      this.log.warn({ err: { message: error.message } }, 'could not signal the other server processes');
    });
  }

  async stop(): Promise<void> {
    this.#stopped = true;
    clearTimeout(this.#retry);
    const client = this.#client;
    this.#client = undefined;
    if (!client) return;
    await client.end().catch(() => {});
  }
}
