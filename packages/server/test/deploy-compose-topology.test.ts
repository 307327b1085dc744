import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { connect, createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { delimiter, dirname, join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import {
  freePort,
  freshDatabase,
  type ProcessRun,
  RABBITMQ_URL,
  REDIS_URL,
  type ServerProcess,
  type StartedProcess,
  skipUnlessServing,
  spawnServer,
  startProcess,
  type TestDatabase,
  waitFor,
} from '@aura/testing';
import {
  type ComposeService,
  environmentOf,
  execForm,
  healthcheckCommand,
  last,
  loadCompose,
  ROOT,
  runtimeStage,
  serverServices,
  stageEnv,
} from './deploy-compose-support.ts';

// deploy/compose.yaml's topology as plain processes, without Docker: each server process and the
// agent get the environment compose gives them (the image's ENV, then the service's, with
// deploy/.env.example's values), except that the services' hostnames become the real PostgreSQL,
// Redis and RabbitMQ of this machine, and the agent's command is the service's own (the wait for
// its enrollment, then `aura agent`). The agent is enrolled and connected on server-1, its
// AURA_SERVER; the user's CLI reaches the servers through one address, a proxy that the test
// points at one process or the other, as a load balancer might. The meeting request crosses the
// two processes: asked on server-1, approved and followed on server-2, carried out by the agent.

const rabbit = await skipUnlessServing('RabbitMQ', RABBITMQ_URL, 5672);
const redis = await skipUnlessServing('Redis', REDIS_URL, 6379);
const BIN = join(ROOT, 'packages/cli/bin/aura.mjs');

/** A command as the image runs it: in its WORKDIR (/app, the checkout here), `node` being this Node. */
function start(argv: string[], env: Record<string, string>, stdin = ''): StartedProcess {
  const [command = '', ...args] = argv;
  return startProcess(command === 'node' ? process.execPath : command, args, {
    cwd: ROOT,
    env: { ...process.env, ...env, PATH: `${dirname(process.execPath)}${delimiter}${process.env.PATH ?? ''}` },
    // Its own process group: the agent's shell and what it started are stopped together.
    detached: true,
    stdin,
  });
}

async function stop(running: StartedProcess | undefined) {
  if (!running || running.child.exitCode !== null || running.child.pid === undefined) return;
  process.kill(-running.child.pid, 'SIGTERM');
  await running.done;
}

/** The compose service's environment, with the image's ENV under it, as the container gets it. */
const containerEnv = (image: 'server' | 'agent', service: ComposeService | undefined) => ({
  ...stageEnv(runtimeStage(image)),
  ...environmentOf(service),
});

/** The stand-in for a URL whose host is one of `hosts` (a compose service name); undefined for any other value. */
function standIn(value: string, hosts: Record<string, string>): string | undefined {
  if (!URL.canParse(value)) return undefined;
  return hosts[new URL(value).hostname];
}

/**
 * The reverse proxy compose.yaml asks for in front of the two servers, as a TCP balancer that
 * sends each new connection where `to` says: one address for the user's devices (a session is
 * bound to the server address it logged in at), whichever process answers.
 */
async function balancer(targets: () => Record<string, string>) {
  let to = '';
  const server: Server = createServer((client) => {
    const { hostname, port } = new URL(targets()[to] ?? '');
    const upstream = connect({ host: hostname, port: Number(port) });
    const drop = () => {
      client.destroy();
      upstream.destroy();
    };
    client.on('error', drop).on('close', drop);
    upstream.on('error', drop).on('close', drop);
    client.pipe(upstream);
    upstream.pipe(client);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  assert.ok(address && typeof address === 'object');
  return {
    url: `http://127.0.0.1:${address.port}`,
    route(name: string) {
      to = name;
    },
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

describe("deploy/compose.yaml's topology as plain processes", { skip: rabbit || redis }, () => {
  const compose = loadCompose();
  let root = '';
  let laptop = '';
  const email = `compose-topology-${Date.now()}@example.com`;
  let db: TestDatabase;
  const servers: Record<string, ServerProcess> = {};
  const serverEnv: Record<string, Record<string, string>> = {};
  let agentEnv: Record<string, string> = {};
  let agent: StartedProcess | undefined;

  const agentService = compose.services.agent;
  const agentEntrypoint = agentService?.entrypoint;
  const agentCommand = (args: string[]) => [
    ...(Array.isArray(agentEntrypoint) ? agentEntrypoint : [agentEntrypoint ?? '']),
    ...args,
  ];
  const server = (name: string) => {
    const s = servers[name];
    assert.ok(s, name);
    return s;
  };
  let proxy: Awaited<ReturnType<typeof balancer>> | undefined;
  /** The user's own `aura` on their laptop, at the proxy's address, which sends it to `via`. */
  const aura = async (via: string, args: string[], stdin = '') => {
    const lb = proxy;
    assert.ok(lb);
    lb.route(via);
    const run = await start([process.execPath, BIN, '--server', lb.url, ...args], { AURA_HOME: laptop }, stdin).done;
    assert.equal(run.code, 0, `aura ${args.join(' ')} (through ${via}): ${run.stderr}`);
    return run;
  };
  const json = async <T>(via: string, args: string[]) => JSON.parse((await aura(via, ['--json', ...args])).stdout) as T;
  const status = async (via: string, id: string) => (await json<{ status: string }>(via, ['tasks', 'show', id])).status;
  const explain = () =>
    `\nagent:\n${agent?.stderr() ?? ''}\n${Object.entries(servers)
      .map(([name, s]) => `${name}:\n${s.output()}`)
      .join('\n')}`;

  before(async () => {
    root = mkdtempSync(join(tmpdir(), 'aura-compose-topology-'));
    laptop = join(root, 'laptop');
    // Not migrated first: both servers start at once on an empty database, as compose starts
    // them once PostgreSQL is healthy, and each runs the migrations (under a lock).
    db = await freshDatabase();
    const hosts: Record<string, string> = { postgres: db.url, redis: REDIS_URL, rabbitmq: RABBITMQ_URL };
    for (const [name, service] of serverServices(compose)) {
      const env = containerEnv('server', service);
      const replaced: string[] = [];
      for (const [variable, value] of Object.entries(env)) {
        const local = standIn(value, hosts);
        if (local !== undefined) {
          env[variable] = local;
          replaced.push(variable);
        }
      }
      assert.deepEqual(
        replaced.sort(),
        ['AMQP_URL', 'DATABASE_URL', 'REDIS_URL'],
        `${name} reaches the three services`,
      );
      serverEnv[name] = {
        ...env,
        // The image's 0.0.0.0 is the container's own network; here it would be this machine's.
        HOST: '127.0.0.1',
        // Each container has port 8787 to itself; processes on one machine need one each.
        PORT: String(await freePort()),
        // This test polls through the CLI many times a second, unlike a person.
        AURA_RATE_LIMIT_DEFAULT: '100000',
      };
    }
    const started = await Promise.all(
      Object.entries(serverEnv).map(async ([name, env]) => [name, await spawnServer(env)] as const),
    );
    for (const [name, child] of started) servers[name] = child;
    proxy = await balancer(() => Object.fromEntries(Object.entries(servers).map(([name, s]) => [name, s.url])));

    agentEnv = containerEnv('agent', agentService);
    const origins = Object.fromEntries(Object.entries(servers).map(([name, s]) => [name, s.url]));
    const serverUrl = standIn(agentEnv.AURA_SERVER ?? '', origins);
    assert.equal(agentEnv.AURA_SERVER, 'http://server-1:8787');
    assert.ok(serverUrl);
    agentEnv.AURA_SERVER = serverUrl;
    assert.equal(agentEnv.AURA_HOME, '/data');
    agentEnv.AURA_HOME = join(root, 'agent');
  });

  after(async () => {
    await stop(agent);
    for (const s of Object.values(servers)) if (s.child.exitCode === null) s.child.kill('SIGTERM');
    await Promise.all(Object.values(servers).map((s) => s.exited));
    await proxy?.close();
    await db?.drop();
    if (root) rmSync(root, { recursive: true, force: true });
  });

  it("answers each server's health checks, the image's and compose's, and keeps /metrics to the token", async () => {
    const imageCheck = healthcheckCommand(last(runtimeStage('server'), 'HEALTHCHECK'));
    assert.ok(imageCheck);
    for (const [name, service] of serverServices(compose)) {
      const env = serverEnv[name] ?? {};
      const composeCheck = service.healthcheck?.test.slice(1) ?? [];
      assert.equal(service.healthcheck?.test[0], 'CMD');
      const checks: string[][] = [imageCheck, composeCheck];
      for (const check of checks) {
        const run: ProcessRun = await start(check, { PORT: env.PORT ?? '' }).done;
        assert.equal(run.code, 0, `${name}: ${check.join(' ')}: ${run.stderr}`);
      }
      const metrics = `${server(name).url}/metrics`;
      assert.equal((await fetch(metrics)).status, 401, `${name} /metrics without the token`);
      const scraped = await fetch(metrics, { headers: { authorization: `Bearer ${env.AURA_METRICS_TOKEN}` } });
      assert.equal(scraped.status, 200, `${name} /metrics with the token Prometheus is given`);
      assert.match(await scraped.text(), /aura_requests_total/);
    }
  });

  it('enrolls the agent as compose.yaml says: it waits until enrolled, then connects to server-1', {
    timeout: 120_000,
  }, async () => {
    await aura(
      'server-2',
      ['register', '--email', email, '--password-stdin'],
      'compose topology pw\ncompose topology pw\n',
    );
    await aura('server-2', [
      'people',
      'add',
      'John Appleseed',
      '--relationship',
      'colleague',
      '--email',
      'john@example.com',
    ]);

    // `docker compose up` before the enrollment: the agent waits, saying what to run.
    agent = start(agentCommand([agentService?.command ?? []].flat()), agentEnv);
    await waitFor(() => agent?.stderr().includes('Not enrolled yet: docker compose'), 30_000, explain);
    assert.equal(agent.child.exitCode, null, 'it waits rather than exits');
    await stop(agent);
    const imageCheck = healthcheckCommand(last(runtimeStage('agent'), 'HEALTHCHECK'));
    assert.ok(imageCheck);
    assert.equal((await start(imageCheck, agentEnv).done).code, 1, 'unhealthy while not enrolled');

    // `docker compose run --rm agent device enroll --email … --name agent` (on server-1, its
    // AURA_SERVER), approved on the laptop through server-2.
    const enroll = start(agentCommand(['--json', 'device', 'enroll', '--email', email, '--name', 'agent']), agentEnv);
    const code = await waitFor(
      () => /"code": "([0-9A-Z-]+)"/.exec(enroll.stdout())?.[1],
      30_000,
      () => enroll.stderr(),
    );
    const fingerprint = /"fingerprint": "([0-9a-f ]+)"/.exec(enroll.stdout())?.[1];
    assert.ok(fingerprint);
    const approved = await aura('server-2', ['device', 'approve', code, '--yes']);
    assert.ok(approved.stderr.includes(fingerprint), 'the laptop shows the fingerprint the agent shows');
    const enrolled = await enroll.done;
    assert.equal(enrolled.code, 0, enrolled.stderr);
    const healthy = await start(imageCheck, agentEnv).done;
    assert.equal(healthy.code, 0, `healthy once enrolled: ${healthy.stderr}`);

    // `docker compose up` again: the agent service's own command, now past its wait.
    agent = start(agentCommand([agentService?.command ?? []].flat()), agentEnv);
    await waitFor(() => agent?.stderr().includes('Agent connected'), 60_000, explain);
  });

  /** The meeting request, asked through `ask`'s server, approved and followed through server-2. */
  async function meeting(ask: string, when: string, timeoutMs: number) {
    const asked = await json<{ taskId: string; plan: { action: string; requiresApproval: boolean }[] }>(ask, [
      'ask',
      `Schedule a meeting with John ${when}`,
    ]);
    assert.deepEqual(
      asked.plan.map((s) => [s.action, s.requiresApproval]),
      [
        ['calendar.find_free_time', false],
        ['calendar.create_event', true],
      ],
    );
    await waitFor(async () => (await status('server-2', asked.taskId)) === 'waiting_approval', timeoutMs, explain);
    await aura('server-2', ['approve', asked.taskId]);
    await waitFor(async () => (await status('server-2', asked.taskId)) === 'completed', timeoutMs, explain);
  }
  const meetings = async () =>
    (
      await json<{ title: string }[]>('server-2', ['calendar', 'list', '--from', '2000-01-01', '--to', '2100-01-01'])
    ).map((e) => e.title);

  it('carries out a meeting request asked on server-1 and approved on server-2', { timeout: 180_000 }, async () => {
    // The workflow is server-1's (the task was submitted there); the approval reaches it from
    // server-2 through PostgreSQL, and the step's dispatch goes to the agent on server-1.
    await meeting('server-1', 'tomorrow at 3pm', 60_000);
    assert.deepEqual(await meetings(), ['Meeting with John Appleseed']);
  });

  // Found by this test, and mended: server-2's workflow finds no agent among its own connections
  // and says so on PostgreSQL's NOTIFY; server-1, where the agent is connected, sends it a hello,
  // and it claims the step (packages/server/src/agent-channel/wake.ts).
  it('carries out a meeting request asked on server-2, whose agent is connected to server-1', {
    timeout: 120_000,
  }, async () => {
    // The workflow is server-2's: each of its steps must reach the agent on the other process.
    await meeting('server-2', 'on friday at 10am', 20_000);
    assert.deepEqual(await meetings(), ['Meeting with John Appleseed', 'Meeting with John Appleseed']);
  });
});

// The checkout stands for the image's WORKDIR: the paths the images run are relative to it.
it('the images run from /app, where the checkout stands in for them', () => {
  for (const image of ['server', 'agent'] as const) assert.equal(last(runtimeStage(image), 'WORKDIR')?.args, '/app');
  assert.deepEqual(execForm(last(runtimeStage('server'), 'CMD')?.args ?? '')?.at(-1), 'packages/server/dist/main.mjs');
  // spawnServer runs the source the image's bundle is built from.
  assert.equal(fileURLToPath(import.meta.resolve('@aura/server/main')), join(ROOT, 'packages/server/src/main.ts'));
  assert.match(
    readFileSync(join(ROOT, 'packages/server/scripts/build.mjs'), 'utf8'),
    /main: join\(server, 'src\/main\.ts'\)/,
  );
});
