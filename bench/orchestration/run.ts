// npm run bench:orchestration — the durable workflow (DBOS on PostgreSQL) with an in-process agent
// and a plugin that does nothing, against baselines measured in the same run.
// Targets (issue #20): <= 10 ms server-side overhead per step and one-step tasks/s >= 0.3x vault
// writes/s in the same run; (issue #7) approval -> execution start <= 200 ms.
// Flag: --quick (fewer tasks).
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { startTestServer } from '@aura/testing';
import { Agent, PluginHost } from '../../packages/agent/src/index.ts';
import { type AuraClient, AuraClient as Client, MemoryStateStore } from '../../packages/client/src/index.ts';
import { nodeSocket } from '../../packages/client/src/node.ts';
// The server's metrics decoration on the app's type (a declaration-only import).
import type {} from '../../packages/server/src/http/metrics.ts';
import { percentile, throughput } from '../support.ts';

const quick = process.argv.includes('--quick');
const fmt = (n: number, d = 1) => n.toFixed(d);
const home = mkdtempSync(join(tmpdir(), 'aura-bench-orch-'));
const server = await startTestServer({ AURA_RATE_LIMIT_DEFAULT: '10000000' }, { orchestration: true });
const url = await server.app.listen({ host: '127.0.0.1', port: 0 });
const email = `bench-${crypto.randomUUID()}@example.com`;
const laptop = await Client.open({ server: url, store: new MemoryStateStore(), openSocket: nodeSocket });
await laptop.register(email, 'bench orchestration pw');
async function enroll(name: string): Promise<AuraClient> {
  const device = await Client.open({ server: url, store: new MemoryStateStore() });
  const ticket = await device.requestEnrollment(email, name);
  await laptop.approveEnrollment(ticket.code);
  await ticket.wait({ intervalMs: 20 });
  return device;
}
const phone = await enroll('phone');
const agentDevice = await enroll('agent');
writeFileSync(
  join(home, 'plugins.yaml'),
  `plugins:\n  noop:\n    module: ${JSON.stringify(fileURLToPath(new URL('./noop-plugin.mjs', import.meta.url)))}\npermissions: {}\n`,
);
const host = await PluginHost.load(join(home, 'plugins.yaml'), agentDevice.vault);
const agent = new Agent({ client: agentDevice, host, journalPath: join(home, 'journal.json'), log: () => {} });
await agent.start();
const starts = (globalThis as unknown as { auraBenchStarts: Map<string, number> }).auraBenchStarts;

const step = (id: string, action = 'bench.noop', requiresApproval = false) => ({
  id,
  action,
  params: {},
  dependsOn: [],
  requiresApproval,
  why: action,
});
// A round ends on the task's notice over the laptop's WebSocket, as a user's device learns it: a
// poll would load the server it measures (four pollers every 2 ms were most of its work).
const heard = new Set<string>();
const waiting = new Map<string, () => void>();
const following = new AbortController();
const connected = new Promise<void>((resolve) => {
  void laptop.notifications.follow(
    (e) => {
      if (e.notice.type !== 'task') return;
      const key = `${e.notice.taskId}/${e.notice.event}`;
      heard.add(key);
      waiting.get(key)?.();
    },
    { signal: following.signal, onConnected: () => resolve() },
  );
});
await connected;
async function heardOf(id: string, event: string) {
  const key = `${id}/${event}`;
  if (heard.has(key)) return;
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no ${event} notice for task ${id} in 60 s`)), 60_000);
    waiting.set(key, () => {
      clearTimeout(timer);
      waiting.delete(key);
      resolve();
    });
  });
}
const until = (id: string, status: 'completed') => heardOf(id, status);

console.log(`Aura orchestration benchmark — node ${process.version}, PostgreSQL (${server.db.kind}), DBOS\n`);

// Baseline: one authenticated request that reads a task (the server's plain cost of a round trip).
const warm = await laptop.tasks.submit({ request: { text: 'warm-up' }, steps: [step('s1')] });
await until(warm.id, 'completed');
const roundTrips: number[] = [];
for (let i = 0; i < (quick ? 100 : 400); i++) {
  const t = performance.now();
  await laptop.tasks.list(1);
  roundTrips.push(performance.now() - t);
}

// Workflow overhead per step: a 10-step task; each step's time between the plugin finishing the
// previous step and starting this one is the server's and agent's work for one step.
const overheads: number[] = [];
for (let round = 0; round < (quick ? 3 : 10); round++) {
  const steps = Array.from({ length: 10 }, (_, i) => step(`s${i + 1}`));
  const t = await laptop.tasks.submit({ request: { text: 'ten steps' }, steps });
  await until(t.id, 'completed');
  for (let i = 1; i < 10; i++) {
    const a = starts.get(`${t.id}/s${i}`) as number;
    const b = starts.get(`${t.id}/s${i + 1}`) as number;
    overheads.push(b - a);
  }
}

// Tasks completed per second: one auto-approved step each, four submitters.
const perSecond = await throughput(quick ? 3 : 8, 4, async () => {
  const t = await laptop.tasks.submit({ request: { text: 'one step' }, steps: [step('s1')] });
  await until(t.id, 'completed');
});
const writesPerSecond = await throughput(quick ? 3 : 8, 4, () =>
  laptop.vault.put('contexts', { text: 'baseline write' }),
);

// Approval -> execution start: the phone signs and sends; the plugin is called.
const approvals: number[] = [];
for (let i = 0; i < (quick ? 10 : 40); i++) {
  const t = await laptop.tasks.submit({ request: { text: 'approve me' }, steps: [step('s1', 'bench.approved', true)] });
  await heardOf(t.id, 'approval_requested');
  const sent = performance.now();
  await phone.tasks.decide(t.id, 'approve');
  await until(t.id, 'completed');
  approvals.push((starts.get(`${t.id}/s1`) as number) - sent);
}

// The server's own share, from its metric: a step result (or an approval) arriving -> the next dispatch.
const metric = await server.app.metricsRegistry.getSingleMetric('aura_task_dispatch_latency_seconds')?.get();
const serverSide = (transition: string) => {
  const values = (metric?.values ?? []).filter((v) => v.labels.transition === transition) as {
    value: number;
    labels: Record<string, string | number>;
    metricName?: string;
  }[];
  const count = values.find((v) => v.metricName?.endsWith('_count'))?.value ?? 0;
  const sum = values.find((v) => v.metricName?.endsWith('_sum'))?.value ?? 0;
  const buckets = values.filter((v) => v.metricName?.endsWith('_bucket'));
  const median = buckets.find((b) => b.value >= count / 2)?.labels.le;
  return { mean: count ? (sum / count) * 1000 : 0, median: Number(median) * 1000, count };
};
const stepServer = serverSide('step');
const approvalServer = serverSide('approval');
const rt50 = percentile(roundTrips, 50);
console.log(
  `  baseline: one authenticated request        p50 ${fmt(rt50, 2)} ms   p99 ${fmt(percentile(roundTrips, 99), 2)} ms`,
);
console.log(
  `  server-side, result -> next dispatch        mean ${fmt(stepServer.mean, 2)} ms   p50 <= ${fmt(stepServer.median, 0)} ms (${stepServer.count} steps)   (${fmt(stepServer.mean / rt50)}x a request)`,
);
console.log(
  `  server-side, approval -> dispatch           mean ${fmt(approvalServer.mean, 2)} ms   p50 <= ${fmt(approvalServer.median, 0)} ms (${approvalServer.count} approvals)`,
);
console.log(
  `  whole cycle per step (agent included)       p50 ${fmt(percentile(overheads, 50), 2)} ms   p99 ${fmt(percentile(overheads, 99), 2)} ms   (${fmt(percentile(overheads, 50) / rt50)}x a request at p50)`,
);
console.log(
  `  approval -> execution start                 p50 ${fmt(percentile(approvals, 50), 2)} ms   p99 ${fmt(percentile(approvals, 99), 2)} ms   (${fmt(percentile(approvals, 50) / rt50)}x a request at p50)`,
);
console.log(
  `  tasks completed/s (1 auto-approved step)    ${fmt(perSecond)}/s   vs vault writes ${fmt(writesPerSecond)}/s (${fmt(perSecond / writesPerSecond, 2)}x)`,
);
const overheadMet = stepServer.mean <= 10;
const approvalMet = percentile(approvals, 50) <= 200;
const tasksMet = perSecond >= 0.3 * writesPerSecond;
console.log(
  `\nTargets: <= 10 ms server-side overhead per step: ${overheadMet ? 'met' : 'MISSED'} (mean ${fmt(stepServer.mean, 2)} ms); ` +
    `one-step tasks/s >= 0.3x vault writes/s: ${tasksMet ? 'met' : 'MISSED'} (${fmt(perSecond / writesPerSecond, 2)}x); ` +
    `approval -> execution start <= 200 ms: ${approvalMet ? 'met' : 'MISSED'} (p50 ${fmt(percentile(approvals, 50), 2)} ms)`,
);
following.abort();
await agent.stop();
await server.close();
rmSync(home, { recursive: true, force: true });
