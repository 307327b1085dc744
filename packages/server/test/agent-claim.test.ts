import assert from 'node:assert/strict';
import { randomBytes, randomUUID } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { AuraClient, MemoryStateStore } from '@aura/client';
import { startTestServer, type TestServer } from '@aura/testing';

/**
 * POST /api/v1/agent/claim under contention: many claims at once, from several agent devices of
 * one account, over a queue that keeps growing. The GET it replaced deadlocked here (40P01,
 * answered 500) and stalled for seconds; a claim must never fail, never wait on another, and
 * never hand one item to two devices.
 */
let server: TestServer;
let laptop: AuraClient;
let userId: string;
/** The account's agent devices, each with a session of its own. */
const devices: { id: string; token: string }[] = [];
const DEVICES = 4;
const CLAIMERS_PER_DEVICE = 4;

before(async () => {
  server = await startTestServer({}, { orchestration: true });
  const url = await server.app.listen({ host: '127.0.0.1', port: 0 });
  const address = `claim-${randomUUID()}@example.com`;
  laptop = await AuraClient.open({ server: url, store: new MemoryStateStore() });
  await laptop.register(address, 'claim test password');
  userId = laptop.session?.userId ?? '';
  for (let i = 0; i < DEVICES; i++) {
    const device = await AuraClient.open({ server: url, store: new MemoryStateStore() });
    const ticket = await device.requestEnrollment(address, `agent ${i}`);
    await laptop.approveEnrollment(ticket.code);
    await ticket.wait({ intervalMs: 50 });
    devices.push({ id: device.session?.deviceId ?? '', token: device.api.tokens?.accessToken ?? '' });
  }
});
after(() => server?.close());

const bytes = (n: number) => randomBytes(n).toString('base64');
const bearer = (token: string | undefined) => ({ authorization: `Bearer ${token}` });

/** Queues a request and submits a one-step task, as the user's laptop; their items, as claims name them. */
async function addWork(items: Set<string>) {
  const request = randomUUID();
  const task = randomUUID();
  const headers = bearer(laptop.api.tokens?.accessToken);
  const [queued, submitted] = await Promise.all([
    server.app.inject({
      method: 'POST',
      url: '/api/v1/agent/requests',
      headers,
      payload: { id: request, ciphertext: bytes(60) },
    }),
    server.app.inject({
      method: 'POST',
      url: '/api/v1/tasks',
      headers,
      payload: { id: task, request: bytes(60), steps: [{ id: 's1', requiresApproval: false, ciphertext: bytes(60) }] },
    }),
  ]);
  assert.equal(queued.statusCode, 201, queued.body);
  assert.equal(submitted.statusCode, 201, submitted.body);
  items.add(`request ${request}`);
  items.add(`step ${task}/s1`);
}

/**
 * Claim loops (`perDevice` at once for each device) until `done()`: every answer that is not a
 * 200 is a problem, and so is an item handed to a device while another device holds it.
 */
async function claimUntil(
  claimers: { id: string; token: string }[],
  perDevice: number,
  holders: Map<string, string>,
  done: () => boolean,
  timeoutMs = 60_000,
) {
  const problems: string[] = [];
  const deadline = Date.now() + timeoutMs;
  let claims = 0;
  const loop = async (device: { id: string; token: string }) => {
    while (!done() && Date.now() < deadline) {
      const answer = await server.app.inject({
        method: 'POST',
        url: '/api/v1/agent/claim',
        headers: bearer(device.token),
      });
      claims++;
      if (answer.statusCode !== 200) {
        problems.push(`${answer.statusCode} ${answer.body}`);
        continue;
      }
      const { requests, dispatches } = answer.json();
      const got = [
        ...requests.map((r: { id: string }) => `request ${r.id}`),
        ...dispatches.map((d: { taskId: string; stepId: string }) => `step ${d.taskId}/${d.stepId}`),
      ];
      for (const item of got) {
        const holder = holders.get(item);
        if (holder && holder !== device.id) problems.push(`${item} went to ${holder} and to ${device.id}`);
        else holders.set(item, device.id);
      }
    }
  };
  await Promise.all(claimers.flatMap((device) => Array.from({ length: perDevice }, () => loop(device))));
  assert.ok(done(), `the claims did not get every item within ${timeoutMs} ms`);
  return { problems, claims };
}

/** Who the database says holds each item of `items`: claimed_by, dispatched_to. */
async function heldInDatabase(items: Set<string>): Promise<Map<string, string | null>> {
  const held = new Map<string, string | null>();
  const requests = await server.pool.query<{ id: string; claimed_by: string | null }>(
    'SELECT id, claimed_by FROM agent_requests WHERE user_id = $1',
    [userId],
  );
  for (const r of requests.rows) held.set(`request ${r.id}`, r.claimed_by);
  const steps = await server.pool.query<{ task_id: string; step_id: string; dispatched_to: string | null }>(
    'SELECT task_id, step_id, dispatched_to FROM task_steps WHERE user_id = $1',
    [userId],
  );
  for (const s of steps.rows) held.set(`step ${s.task_id}/${s.step_id}`, s.dispatched_to);
  return new Map([...held].filter(([item]) => items.has(item)));
}

/** What the server logged at error level (a 500, a deadlock). */
const loggedErrors = () =>
  server.logs
    .flatMap((chunk) => chunk.split('\n'))
    .filter((line) => line && (JSON.parse(line) as { level: number }).level >= 50);

describe('claiming agent work', { timeout: 180_000 }, () => {
  it(`${DEVICES * CLAIMERS_PER_DEVICE} concurrent claimers on ${DEVICES} devices: no error, no wait, each item to one device`, async () => {
    const items = new Set<string>();
    const holders = new Map<string, string>();
    // Work keeps arriving while the claims run: new rows to fight over all along, not one batch.
    const producing = (async () => {
      const start = Date.now();
      for (let round = 0; round < 20 || Date.now() - start < 5000; round++)
        await Promise.all(Array.from({ length: 4 }, () => addWork(items)));
    })();
    let produced = false;
    void producing.then(() => {
      produced = true;
    });
    const { problems } = await claimUntil(
      devices,
      CLAIMERS_PER_DEVICE,
      holders,
      () => produced && [...items].every((item) => holders.has(item)),
    );
    await producing;
    assert.deepEqual(problems, []);
    assert.deepEqual(loggedErrors(), []);
    // Every device got some: the claims ran side by side, not one after another.
    assert.equal(new Set(holders.values()).size, DEVICES);
    assert.deepEqual(await heldInDatabase(items), new Map([...items].map((item) => [item, holders.get(item)])));
  });

  it('a device revoked while it claims keeps nothing: what it held goes to the others, each item to one', async () => {
    const items = new Set<string>();
    await Promise.all(Array.from({ length: 20 }, () => addWork(items)));
    const [victim, ...others] = devices;
    assert.ok(victim);
    // The victim holds all of the new work before the revocation.
    const victimHolds = new Map<string, string>();
    await claimUntil([victim], 1, victimHolds, () => [...items].every((item) => victimHolds.has(item)));

    const holders = new Map<string, string>();
    let revoked = false;
    let victimAnswer = 0;
    const victimClaims = (async () => {
      // It keeps claiming until the revocation has cut it off.
      for (;;) {
        const answer = await server.app.inject({
          method: 'POST',
          url: '/api/v1/agent/claim',
          headers: bearer(victim.token),
        });
        victimAnswer = answer.statusCode;
        if (answer.statusCode !== 200 || revoked) return;
      }
    })();
    const revocation = laptop.revokeDevice(victim.id).then(() => {
      revoked = true;
    });
    const { problems } = await claimUntil(
      others,
      CLAIMERS_PER_DEVICE,
      holders,
      () => revoked && [...items].every((item) => holders.has(item)),
    );
    await Promise.all([revocation, victimClaims]);
    assert.deepEqual(problems, []);
    assert.deepEqual(loggedErrors(), []);
    const after = await server.app.inject({
      method: 'POST',
      url: '/api/v1/agent/claim',
      headers: bearer(victim.token),
    });
    assert.equal(after.statusCode, 401);
    assert.ok(victimAnswer === 200 || victimAnswer === 401, `the victim's claim answered ${victimAnswer}`);
    // Nothing is left with the revoked device, in the claims' view or the database's.
    assert.ok(![...holders.values()].includes(victim.id));
    const held = await heldInDatabase(items);
    assert.deepEqual(held, new Map([...items].map((item) => [item, holders.get(item)])));
    const stranded = await server.pool.query(
      `SELECT 1 FROM agent_requests WHERE claimed_by = $1 AND status = 'queued'
       UNION ALL SELECT 1 FROM task_steps WHERE dispatched_to = $1 AND status = 'dispatched'`,
      [victim.id],
    );
    assert.equal(stranded.rowCount, 0);
  });
});
