// The SRP-6a server's work for one login (B, then check M1 and make M2), timed on one core: the
// rate bench:crypto reports and bench:server holds its logins over HTTP against.
import { randomBytes } from 'node:crypto';
import {
  SRP_GROUP_2048_SHA256 as group,
  srpClientEphemeral,
  srpClientSession,
  srpServerEphemeral,
  srpServerSession,
  srpVerifier,
} from '../packages/crypto/src/index.ts';

/** A server handshake, against client messages made beforehand so only the server's work is timed. */
export function serverHandshake(): () => void {
  const identity = 'bench@example.com';
  const salt = randomBytes(16);
  const x = 0x3f2a9c1b5d7e8f0a1b2c3d4e5f60718293a4b5c6d7e8f90a1b2c3d4e5f607182n;
  const v = srpVerifier(group, x);
  const clients = Array.from({ length: 64 }, () => {
    const a = srpClientEphemeral(group);
    const b = srpServerEphemeral(group, v);
    const c = srpClientSession(group, { identity, salt, x, a, B: b.public });
    return { A: a.public, b, M1: c.M1 };
  });
  let i = 0;
  return () => {
    const c = clients[i++ % clients.length];
    if (!c) return;
    srpServerEphemeral(group, v);
    srpServerSession(group, { identity, salt, v, b: c.b, A: c.A, M1: c.M1 });
  };
}

/** Runs fn repeatedly for about budgetMs, 3 rounds, and returns the best ops/s (least disturbed). */
export function opsPerSecond(fn: () => void, budgetMs: number): number {
  fn();
  let best = 0;
  for (let round = 0; round < 3; round++) {
    let n = 0;
    const start = performance.now();
    let elapsed = 0;
    while (elapsed < budgetMs) {
      fn();
      n++;
      elapsed = performance.now() - start;
    }
    best = Math.max(best, (n * 1000) / elapsed);
  }
  return best;
}
