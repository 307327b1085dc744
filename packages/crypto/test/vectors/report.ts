/** What running one vector file found. Suites are pure functions so Node and Chromium run the same code. */
export interface VectorReport {
  readonly suite: string;
  total: number;
  passed: number;
  readonly failures: string[];
  /** Cases deliberately not run, each with the reason (an algorithm Aura does not implement). */
  readonly notApplicable: { count: number; reason: string }[];
}

export function newReport(suite: string): VectorReport {
  return { suite, total: 0, passed: 0, failures: [], notApplicable: [] };
}

export function record(report: VectorReport, id: string, ok: boolean, detail = ''): void {
  report.total++;
  if (ok) report.passed++;
  else report.failures.push(`${report.suite} ${id}${detail ? `: ${detail}` : ''}`);
}

export function hex(h: string): Uint8Array {
  const clean = h.replace(/\s+/g, '');
  const out = new Uint8Array(clean.length / 2);
  for (let i = 0; i < out.length; i++) out[i] = Number.parseInt(clean.slice(i * 2, i * 2 + 2), 16);
  return out;
}

export function toHex(bytes: Uint8Array): string {
  return Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('');
}

export function errorCode(fn: () => unknown): string | undefined {
  try {
    fn();
    return undefined;
  } catch (e) {
    return (e as { code?: string }).code ?? 'UNTYPED';
  }
}

export async function errorCodeAsync(fn: () => Promise<unknown>): Promise<string | undefined> {
  try {
    await fn();
    return undefined;
  } catch (e) {
    return (e as { code?: string }).code ?? 'UNTYPED';
  }
}

// Wycheproof's JSON shapes, as far as these suites read them.
export interface WycheproofFile<T> {
  algorithm: string;
  numberOfTests: number;
  testGroups: ({
    tests: (T & { tcId: number; result: 'valid' | 'invalid' | 'acceptable'; flags: string[] })[];
  } & Record<string, unknown>)[];
}

export const allTests = <T>(file: WycheproofFile<T>) =>
  file.testGroups.flatMap((group) => group.tests.map((test) => ({ group, test })));
