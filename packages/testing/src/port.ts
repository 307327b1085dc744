import type { ChildProcess } from 'node:child_process';
import { createServer } from 'node:net';
import { waitFor } from './wait.ts';

/** A loopback port nothing listens on now. */
export const freePort = () =>
  new Promise<number>((resolve) => {
    const s = createServer().listen(0, '127.0.0.1', () => {
      const p = (s.address() as { port: number }).port;
      s.close(() => resolve(p));
    });
  });

/** Whether something listens on a loopback port: binding it fails. */
const taken = (port: number) =>
  new Promise<boolean>((resolve) => {
    const socket = createServer();
    socket.once('error', () => resolve(true));
    socket.listen(port, '127.0.0.1', () => socket.close(() => resolve(false)));
  });

/** Waits until `child` listens on `port`; fails at once if it exits first. */
export async function listening(port: number, child: ChildProcess, output: () => string, timeoutMs = 20_000) {
  await waitFor(
    async () => {
      if (child.exitCode !== null) throw new Error(`server exited: ${output()}`);
      return taken(port);
    },
    timeoutMs,
    () => `for a server on port ${port}: ${output()}`,
  );
}
