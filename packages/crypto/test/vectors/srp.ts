import { sha1 } from '@noble/hashes/legacy.js';
import { srpClientEphemeral, srpClientSession, srpVerifier } from '../../src/srp/client.ts';
import { type SrpHashName, srpGroup } from '../../src/srp/group.ts';
import { srpServerEphemeral, srpServerSession } from '../../src/srp/server.ts';
import { srpMultiplier } from '../../src/srp/shared.ts';
import { errorCode, hex, newReport, record, toHex, type VectorReport } from './report.ts';

const big = (h: string) => BigInt(`0x${h.replace(/\s+/g, '')}`);
const norm = (h: string) => h.replace(/\s+/g, '').toLowerCase();

export interface SrpVector {
  H: string;
  size?: number;
  N: string;
  g: string;
  I: string;
  P: string;
  s: string;
  k: string;
  x: string;
  v: string;
  a: string;
  b: string;
  A: string;
  B: string;
  u: string;
  S: string;
  K?: string;
  M1?: string;
  M2?: string;
}

/**
 * One vector through both halves of the protocol: k, v, A, B, u and S from the client's and
 * the server's formula, then K, M1 and M2 where the vector has them, the server accepting
 * the client's M1 and refusing a one-bit change of it.
 */
export function checkSrpVector(report: VectorReport, id: string, t: SrpVector): void {
  const group = srpGroup(id, t.N, big(t.g), t.H as SrpHashName);
  const x = big(t.x);
  const salt = hex(t.s);
  const v = srpVerifier(group, x);
  const a = srpClientEphemeral(group, big(t.a));
  const b = srpServerEphemeral(group, v, big(t.b));
  const client = srpClientSession(group, { identity: t.I, salt, x, a, B: b.public });
  const checks: [string, boolean][] = [
    ['k', srpMultiplier(group) === big(t.k)],
    ['v', v === big(t.v)],
    ['A', a.public === big(t.A)],
    ['B', b.public === big(t.B)],
    ['u', client.u === big(t.u)],
    ['S (client)', client.S === big(t.S)],
  ];
  if (t.K) checks.push(['K', toHex(client.K) === norm(t.K)]);
  if (t.M1) checks.push(['M1', toHex(client.M1) === norm(t.M1)]);
  if (t.M2) checks.push(['M2', toHex(client.expectedM2) === norm(t.M2)]);
  const server = srpServerSession(group, { identity: t.I, salt, v, b, A: a.public, M1: client.M1 });
  checks.push(['S (server)', server.S === big(t.S)]);
  checks.push(['M2 (server)', toHex(server.M2) === toHex(client.expectedM2)]);
  const badM1 = client.M1.slice();
  badM1[0] = (badM1[0] ?? 0) ^ 1;
  const refused = errorCode(() => srpServerSession(group, { identity: t.I, salt, v, b, A: a.public, M1: badM1 }));
  checks.push(['altered M1 refused', refused === 'AURA_CRYPTO_SRP_BAD_PROOF']);
  for (const [what, ok] of checks) record(report, `${id} ${what}`, ok);
}

/** RFC 5054's x = H(s | H(I | ":" | P)); Aura derives x from Argon2id instead (ARCHITECTURE.md §2). */
export function rfc5054X(t: SrpVector): bigint {
  const inner = sha1(new TextEncoder().encode(`${t.I}:${t.P}`));
  const outer = sha1(new Uint8Array([...hex(t.s), ...inner]));
  return big(toHex(outer));
}

export function runSrpVectors(files: {
  rfc5054Extracted: { group: { N: string; g: string }; vector: Omit<SrpVector, 'N' | 'g' | 'H'> };
  rfc5054: { testVectors: SrpVector[] };
  srptools: { testVectors: SrpVector[] };
}): VectorReport {
  const report = newReport('srp-6a');
  const extracted: SrpVector = {
    ...files.rfc5054Extracted.vector,
    N: files.rfc5054Extracted.group.N,
    g: files.rfc5054Extracted.group.g,
    H: 'sha1',
  };
  record(report, 'rfc5054 appendix B x', rfc5054X(extracted) === big(extracted.x));
  checkSrpVector(report, 'rfc5054 appendix B', extracted);
  for (const t of files.rfc5054.testVectors) checkSrpVector(report, `rfc5054.json ${t.H}/${t.size}`, t);
  for (const t of files.srptools.testVectors) checkSrpVector(report, `srptools ${t.H}/${t.size}`, t);
  return report;
}
