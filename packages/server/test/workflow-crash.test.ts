import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { AuraClient, type Dispatch, MemoryStateStore, type PlannedStep, type TaskDetail } from '@aura/client';
import { freePort, migratedDatabase, type ServerProcess, spawnServer, type TestDatabase, waitFor } from '@aura/testing';

// Each durable transition of the task workflow (src/workflow/task-workflow.ts), crossed by a
// `kill -9` of the server and a restart of another on the same database. The test plays the
// user's laptop (submits, decides) and the agent's device (fetches its work over the agent
// channel, checks it, runs it, reports), and keeps the agent's journal itself: every attempt
// it was given, so a step handed out twice is caught.

let db: TestDatabase;
let server: ServerProcess;
let env: Record<string, string>;
let laptop: AuraClient;
let agent: AuraClient;
const address = `crash-${crypto.randomUUID()}@example.com`;
/** `${taskId}/${stepId}` → the attempts the agent ran, in order. */
const journal = new Map<string, number[]>();

/** SIGKILL: no shutdown hook runs, DBOS gets no chance to tidy up. Then a new server, same database and port. */
async function crashAndRestart(overrides: Record<string, string> = {}) {
  server.child.kill('SIGKILL');
  await server.exited;
  server = await spawnServer({ ...env, ...overrides });
}

const step = (id: string, requiresApproval: boolean): PlannedStep => ({
  id,
  action: 'test.crash',
  params: { step: id },
  dependsOn: [],
  requiresApproval,
  why: `step ${id}`,
});

const submit = (...steps: PlannedStep[]) => laptop.tasks.submit({ request: { text: 'crash test' }, steps });

async function until(taskId: string, check: (t: TaskDetail) => boolean, timeoutMs = 30_000): Promise<TaskDetail> {
  let last: TaskDetail | undefined;
  return waitFor(
    async () => {
      last = await laptop.tasks.show(taskId).catch(() => undefined);
      return last && check(last) ? last : undefined;
    },
    timeoutMs,
    () => `task ${taskId}: ${JSON.stringify(last && { status: last.status, steps: last.steps.map((s) => s.status) })}`,
  );
}

/**
 * The agent's side of one attempt: waits for the step in its pending work, checks the dispatch
 * as the real agent does (approval signature included), runs it unless the journal says it ran,
 * and reports `outcome`.
 */
async function execute(
  taskId: string,
  stepId: string,
  outcome: { ok: boolean; retryable?: boolean } = { ok: true },
): Promise<Dispatch> {
  const dispatch = await waitFor(
    async () => (await agent.tasks.claim()).dispatches.find((d) => d.taskId === taskId && d.stepId === stepId),
    30_000,
    () => `no dispatch of ${taskId}/${stepId}`,
  );
  await agent.tasks.verifyDispatch(dispatch);
  const ran = journal.get(`${taskId}/${stepId}`) ?? [];
  assert.ok(!ran.includes(dispatch.attempt), `attempt ${dispatch.attempt} of ${stepId} was handed out twice`);
  journal.set(`${taskId}/${stepId}`, [...ran, dispatch.attempt]);
  await agent.tasks.report(dispatch, { ...outcome, output: { ran: stepId } });
  return dispatch;
}

/**
 * How many times each task action was logged, per target (`task` or `task/step`). A transition is
 * a DBOS step, which DBOS runs at least once: a kill after its transaction commits and before
 * DBOS checkpoints it runs it again on recovery, and logs its entry again. So the log is checked
 * for what happened (at least once) and for what must not have (never); the promise that no step
 * runs twice is checked where it is made: the attempts handed to the agent, each run once.
 */
async function logged(taskId: string): Promise<Record<string, number>> {
  const counts: Record<string, number> = {};
  for (const e of (await laptop.audit.entries()).entries) {
    if (e.eventType !== 'task' || !e.targetId?.startsWith(taskId)) continue;
    const key = `${e.action} ${e.targetId.slice(taskId.length) || '.'}`;
    counts[key] = (counts[key] ?? 0) + 1;
  }
  return counts;
}

/** Nothing of the task is still handed out once it is over. */
async function nothingPending(taskId: string) {
  const { dispatches } = await agent.tasks.claim();
  assert.deepEqual(
    dispatches.filter((d) => d.taskId === taskId),
    [],
  );
}

before(async () => {
  db = await migratedDatabase();
  env = {
    DATABASE_URL: db.url,
    PORT: String(await freePort()),
    AURA_RATE_LIMIT_DEFAULT: '1000000',
    AURA_LOGIN_FAILURES_BEFORE_BACKOFF: '1000',
    // Long enough to kill the server inside the backoff between two attempts.
    AURA_STEP_RETRY_INITIAL_MS: '1500',
  };
  server = await spawnServer(env);
  laptop = await AuraClient.open({ server: server.url, store: new MemoryStateStore() });
  await laptop.register(address, 'crash test pw');
  agent = await AuraClient.open({ server: server.url, store: new MemoryStateStore() });
  const ticket = await agent.requestEnrollment(address, 'agent');
  await laptop.approveEnrollment(ticket.code);
  await ticket.wait({ intervalMs: 50 });
});

after(async () => {
  server?.child.kill('SIGTERM');
  await server?.exited;
  await db?.drop();
});

describe('the task workflow across kill -9 and restart', { timeout: 300_000 }, () => {
  it('submitted → waiting for approval: a crash right after the submit still asks for approval, and the step runs once', async () => {
    const task = await submit(step('s1', true));
    await crashAndRestart();
    await until(task.id, (t) => t.status === 'waiting_approval' && t.steps[0]?.status === 'waiting_approval');
    await laptop.tasks.decide(task.id, 'approve');
    await execute(task.id, 's1');
    const done = await until(task.id, (t) => t.status !== 'waiting_approval' && t.status !== 'running');
    assert.equal(done.status, 'completed');
    assert.deepEqual(journal.get(`${task.id}/s1`), [1]);
    const counts = await logged(task.id);
    for (const entry of ['submit .', 'start .', 'approval_requested /s1', 'approve /s1', 'dispatch /s1', 'execute /s1'])
      assert.ok(counts[entry], `${entry} in ${JSON.stringify(counts)}`);
    assert.equal(done.steps[0]?.attempts, 1);
    await nothingPending(task.id);
  });

  it('approved → dispatched: a crash right after the approval dispatches the step exactly once', async () => {
    const task = await submit(step('s1', true));
    await until(task.id, (t) => t.steps[0]?.status === 'waiting_approval');
    await laptop.tasks.decide(task.id, 'approve');
    await crashAndRestart();
    const first = await execute(task.id, 's1');
    assert.equal(first.attempt, 1);
    assert.equal(first.approval?.decision, 'approve');
    const done = await until(task.id, (t) => t.status === 'completed');
    assert.equal(done.steps[0]?.attempts, 1);
    assert.deepEqual(journal.get(`${task.id}/s1`), [1]);
    assert.ok((await logged(task.id))['execute /s1']);
    await nothingPending(task.id);
  });

  it('a step succeeded → the next step: a crash right after the result moves on without re-running it', async () => {
    const task = await submit(step('s1', false), step('s2', false));
    await execute(task.id, 's1');
    await crashAndRestart();
    await execute(task.id, 's2');
    const done = await until(task.id, (t) => t.status === 'completed');
    assert.deepEqual(
      done.steps.map((s) => [s.id, s.status, s.attempts]),
      [
        ['s1', 'succeeded', 1],
        ['s2', 'succeeded', 1],
      ],
    );
    assert.deepEqual(journal.get(`${task.id}/s1`), [1]);
    assert.deepEqual(journal.get(`${task.id}/s2`), [1]);
    const counts = await logged(task.id);
    for (const entry of ['execute /s1', 'execute /s2', 'complete .']) assert.ok(counts[entry], entry);
  });

  it('the last step succeeded → completed: a crash right after its result completes the task without running it again', async () => {
    const task = await submit(step('s1', false));
    await execute(task.id, 's1');
    await crashAndRestart();
    const done = await until(task.id, (t) => t.status === 'completed');
    assert.equal(done.steps[0]?.result?.ok, true);
    assert.deepEqual(journal.get(`${task.id}/s1`), [1]);
    assert.equal(done.steps[0]?.attempts, 1);
    assert.ok((await logged(task.id))['complete .']);
    await nothingPending(task.id);
  });

  it('a failed attempt → the retry: a crash during the backoff resumes with attempt 2, not attempt 1 again', async () => {
    const task = await submit(step('s1', false));
    await execute(task.id, 's1', { ok: false, retryable: true });
    // The failure is recorded before the workflow sleeps: the kill lands inside the backoff.
    await until(task.id, (t) => t.steps[0]?.status === 'failed' && t.steps[0]?.attempts === 1);
    await crashAndRestart();
    const second = await execute(task.id, 's1');
    assert.equal(second.attempt, 2);
    const done = await until(task.id, (t) => t.status === 'completed');
    assert.equal(done.steps[0]?.attempts, 2);
    assert.deepEqual(journal.get(`${task.id}/s1`), [1, 2]);
    await nothingPending(task.id);
  });

  it('a step that cannot succeed → failed: a crash right after its result fails the task, without a retry', async () => {
    const task = await submit(step('s1', false), step('s2', false));
    await execute(task.id, 's1', { ok: false, retryable: false });
    await crashAndRestart();
    const done = await until(task.id, (t) => t.status === 'failed');
    assert.deepEqual(done.reason, { why: 'step failed', stepId: 's1' });
    assert.deepEqual(
      done.steps.map((s) => [s.id, s.status, s.attempts]),
      [
        ['s1', 'failed', 1],
        ['s2', 'skipped', 0],
      ],
    );
    assert.deepEqual(journal.get(`${task.id}/s1`), [1]);
    assert.equal(journal.get(`${task.id}/s2`), undefined);
    await nothingPending(task.id);
  });

  it('rejected → cancelled: a crash right after the rejection cancels the task and runs nothing', async () => {
    const task = await submit(step('s1', true));
    await until(task.id, (t) => t.steps[0]?.status === 'waiting_approval');
    await laptop.tasks.decide(task.id, 'reject');
    await crashAndRestart();
    const done = await until(task.id, (t) => t.status === 'cancelled');
    assert.deepEqual(done.reason, { why: 'rejected', stepId: 's1' });
    assert.equal(done.steps[0]?.status, 'rejected');
    assert.equal(journal.get(`${task.id}/s1`), undefined);
    const counts = await logged(task.id);
    assert.equal(counts['dispatch /s1'], undefined);
    assert.ok(counts['cancel .']);
  });

  it('waiting → expired → cancelled: the approval deadline survives a crash and a restart with another setting', async () => {
    // The task's settings are checkpointed when its workflow begins: this server's 3 s hold
    // for it even after the restart below, on a server that would wait a day.
    await crashAndRestart({ AURA_APPROVAL_TIMEOUT_SECONDS: '3' });
    const task = await submit(step('s1', true));
    await until(task.id, (t) => t.steps[0]?.status === 'waiting_approval');
    await crashAndRestart();
    const done = await until(task.id, (t) => t.status === 'cancelled', 20_000);
    assert.deepEqual(done.reason, { why: 'expired', stepId: 's1' });
    assert.equal(done.steps[0]?.status, 'expired');
    assert.equal((await logged(task.id))['dispatch /s1'], undefined);
  });
});
