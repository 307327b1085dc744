import { connect, createServer, type Server, type Socket } from 'node:net';
import { absent } from './skip.ts';

/** The real brokers of our machines and CI (README: "Machine"); a test names its own vhost or keys. */
export const RABBITMQ_URL = process.env.AURA_TEST_AMQP_URL ?? 'amqp://guest:guest@127.0.0.1:5672';
export const REDIS_URL = process.env.AURA_TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';

/** Whether something accepts TCP connections at the URL's host and port. */
function answers(url: string, defaultPort: number, timeoutMs = 2000): Promise<boolean> {
  const { hostname, port } = new URL(url);
  return new Promise((resolve) => {
    const socket = connect({ host: hostname, port: Number(port || defaultPort) });
    const done = (ok: boolean) => {
      socket.destroy();
      resolve(ok);
    };
    socket.setTimeout(timeoutMs, () => done(false));
    socket.once('connect', () => done(true));
    socket.once('error', () => done(false));
  });
}

/**
 * The skip option of a suite that needs a running service: false when it answers, otherwise the
 * reason, said loudly (a failure under CI=true, where the service runs).
 */
export async function skipUnlessServing(what: string, url: string, defaultPort: number): Promise<string | false> {
  if (await answers(url, defaultPort)) return false;
  const why = `${what} is not answering at ${new URL(url).host}`;
  absent(why, 'SKIPPING');
  return why;
}

/**
 * A TCP proxy in front of a real server, which a test can cut (every connection reset, new ones
 * refused) and restore: a broker going away and coming back, without stopping the one other
 * suites share.
 */
export interface TcpProxy {
  readonly port: number;
  /** Resets every open connection and refuses new ones until restore(). */
  cut(): void;
  restore(): void;
  /** How many connections it has accepted, in all. */
  readonly accepted: number;
  close(): Promise<void>;
}

export async function tcpProxy(target: { host: string; port: number }): Promise<TcpProxy> {
  const open = new Set<Socket>();
  let down = false;
  let accepted = 0;
  const server: Server = createServer((client) => {
    if (down) {
      client.resetAndDestroy();
      return;
    }
    accepted++;
    const upstream = connect(target);
    open.add(client);
    open.add(upstream);
    const drop = () => {
      client.destroy();
      upstream.destroy();
      open.delete(client);
      open.delete(upstream);
    };
    client.on('error', drop).on('close', drop);
    upstream.on('error', drop).on('close', drop);
    client.pipe(upstream);
    upstream.pipe(client);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    port: (server.address() as { port: number }).port,
    get accepted() {
      return accepted;
    },
    cut() {
      down = true;
      for (const socket of open) socket.resetAndDestroy();
      open.clear();
    },
    restore() {
      down = false;
    },
    close: () =>
      new Promise<void>((resolve) => {
        for (const socket of open) socket.destroy();
        server.close(() => resolve());
      }),
  };
}
