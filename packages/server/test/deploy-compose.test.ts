import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { skipUnless } from '@aura/testing';
import { parse } from 'yaml';
import {
  COMPOSE_FILE,
  dockerfileInstructions,
  dockerfilePath,
  ENV_EXAMPLE,
  environmentOf,
  execForm,
  healthcheckCommand,
  interpolate,
  last,
  loadCompose,
  ROOT,
  rawCompose,
  readEnvFile,
  runtimeStage,
  serverServices,
  stage,
  stageEnv,
  variablesConfigReads,
} from './deploy-compose-support.ts';

// The deployment's container files, read as Docker reads them: deploy/compose.yaml (the
// topology: two server processes on one PostgreSQL, Redis and RabbitMQ, the agent, Prometheus,
// Grafana), deploy/.env.example, deploy/docker/*.Dockerfile and .dockerignore. docker-compose
// itself validates the compose file where it is installed (.ci/run installs it); what it would
// resolve is checked without it too, and deploy-compose-topology.test.ts runs the topology as
// plain processes.

const compose = loadCompose();
const servers = serverServices(compose);
const OUT_OF_SCOPE = /temporal|keycloak|qdrant/i;

describe('deploy/compose.yaml', () => {
  it('has the services of the topology, and none of the parts Aura replaced (Temporal, Keycloak, Qdrant)', () => {
    assert.deepEqual(Object.keys(compose.services).sort(), [
      'agent',
      'grafana',
      'postgres',
      'prometheus',
      'rabbitmq',
      'redis',
      'server-1',
      'server-2',
    ]);
    for (const [name, service] of Object.entries(compose.services)) {
      assert.doesNotMatch(name, OUT_OF_SCOPE);
      assert.doesNotMatch(service.image ?? '', OUT_OF_SCOPE, `${name}'s image`);
      assert.doesNotMatch(JSON.stringify(service.environment ?? {}), OUT_OF_SCOPE, `${name}'s environment`);
    }
    assert.match(compose.services.postgres?.image ?? '', /^postgres:1[56]\b/);
  });

  it('runs two server replicas on the same PostgreSQL, Redis and RabbitMQ, each with its own executor id', () => {
    assert.deepEqual(
      servers.map(([name]) => name),
      ['server-1', 'server-2'],
    );
    const [one, two] = servers.map(([, s]) => environmentOf(s));
    assert.ok(one && two);
    for (const shared of ['DATABASE_URL', 'REDIS_URL', 'AMQP_URL']) {
      assert.ok(one[shared], `${shared} is set`);
      assert.equal(one[shared], two[shared], `${shared} is the same for both`);
    }
    assert.equal(new URL(one.DATABASE_URL ?? '').hostname, 'postgres');
    assert.equal(new URL(one.REDIS_URL ?? '').hostname, 'redis');
    assert.equal(new URL(one.AMQP_URL ?? '').hostname, 'rabbitmq');
    // DBOS recovers only its own executor's workflows: shared or missing, a crash strands tasks.
    assert.deepEqual([one.AURA_EXECUTOR_ID, two.AURA_EXECUTOR_ID], ['server-1', 'server-2']);
    // Everything else is the same: a request may reach either.
    const { AURA_EXECUTOR_ID: _a, ...rest1 } = one;
    const { AURA_EXECUTOR_ID: _b, ...rest2 } = two;
    assert.deepEqual(rest1, rest2);
  });

  it('sets the servers only variables that packages/server/src/config.ts reads', () => {
    const read = variablesConfigReads();
    assert.ok(read.has('DATABASE_URL') && read.has('AURA_EXECUTOR_ID'), 'config.ts is parsed');
    const set = [
      ...servers.flatMap(([name, s]) => Object.keys(environmentOf(s)).map((v) => [v, name])),
      ...Object.keys(stageEnv(runtimeStage('server'))).map((v) => [v, 'server.Dockerfile']),
    ];
    for (const [variable, where] of set) assert.ok(read.has(variable ?? ''), `${where} sets ${variable}, never read`);
  });

  it('starts each server once its database, Redis and RabbitMQ are healthy, and checks each of them', () => {
    for (const [name, service] of servers) {
      assert.deepEqual(
        service.depends_on,
        {
          postgres: { condition: 'service_healthy' },
          redis: { condition: 'service_healthy' },
          rabbitmq: { condition: 'service_healthy' },
        },
        name,
      );
      assert.ok(service.healthcheck?.test.join(' ').includes('/ready'), `${name} is healthy once ready`);
    }
    for (const name of ['postgres', 'redis', 'rabbitmq']) assert.ok(compose.services[name]?.healthcheck, name);
    assert.match(compose.services.postgres?.healthcheck?.test.join(' ') ?? '', /pg_isready/);
    assert.deepEqual(compose.services.agent?.depends_on, { 'server-1': { condition: 'service_healthy' } });
  });

  it('keeps the data on volumes: the database, the broker, the agent install, the metrics', () => {
    const mounts = (name: string) => compose.services[name]?.volumes ?? [];
    assert.ok(mounts('postgres').includes('postgres-data:/var/lib/postgresql/data'));
    assert.ok(mounts('rabbitmq').includes('rabbitmq-data:/var/lib/rabbitmq'));
    assert.ok(mounts('prometheus').includes('prometheus-data:/prometheus'));
    // The agent's AURA_HOME (the image sets /data) holds the device's secret keys.
    assert.equal(stageEnv(runtimeStage('agent')).AURA_HOME, '/data');
    assert.ok(mounts('agent').includes('agent-data:/data'));
    for (const name of Object.keys(compose.volumes ?? {}))
      assert.ok(
        Object.values(compose.services).some((s) => s.volumes?.some((v) => v.startsWith(`${name}:`))),
        `volume ${name} is used`,
      );
  });

  it('points the agent at server-1, and tells how to enroll it first', () => {
    assert.equal(environmentOf(compose.services.agent).AURA_SERVER, 'http://server-1:8787');
    assert.match(readFileSync(COMPOSE_FILE, 'utf8'), /run --rm agent device enroll --email/);
  });

  it('mounts files that exist, and gives Prometheus the metrics token where prometheus.yml reads it', () => {
    for (const [name, service] of Object.entries(compose.services))
      for (const volume of service.volumes ?? []) {
        const source = volume.split(':')[0] ?? '';
        if (source.startsWith('./')) assert.ok(existsSync(join(ROOT, 'deploy', source)), `${name} mounts ${source}`);
      }
    const prometheus = parse(readFileSync(join(ROOT, 'deploy/prometheus/prometheus.yml'), 'utf8'));
    const tokenFile: unknown = prometheus.scrape_configs?.find((c: { job_name?: string }) => c.job_name === 'aura')
      ?.authorization?.credentials_file;
    assert.equal(typeof tokenFile, 'string');
    const entrypoint = compose.services.prometheus?.entrypoint;
    const script = Array.isArray(entrypoint) ? entrypoint.join(' ') : (entrypoint ?? '');
    // $$ in compose is the container's $: the token comes from the service's own environment.
    assert.ok(script.includes(`printf '%s' "$AURA_METRICS_TOKEN" > ${String(tokenFile)}`), script);
    assert.ok(script.includes('exec /bin/prometheus --config.file=/etc/prometheus/prometheus.yml'), script);
    assert.equal(
      environmentOf(compose.services.prometheus).AURA_METRICS_TOKEN,
      environmentOf(compose.services['server-1']).AURA_METRICS_TOKEN,
    );
  });

  it('takes every secret from the env file, required; the example sets each one', () => {
    const text = readFileSync(COMPOSE_FILE, 'utf8');
    const required = new Set([...text.matchAll(/\$\{([A-Z0-9_]+):\?/g)].map((m) => m[1] ?? ''));
    for (const secret of [
      'POSTGRES_PASSWORD',
      'REDIS_PASSWORD',
      'RABBITMQ_PASSWORD',
      'AURA_METRICS_TOKEN',
      'GRAFANA_ADMIN_PASSWORD',
    ])
      assert.ok(required.has(secret), `${secret} is required`);
    const example = readEnvFile(ENV_EXAMPLE);
    for (const name of required) assert.ok(example[name], `.env.example sets ${name}`);
    // No secret is written into the compose file itself: each is a ${VAR} of the env file.
    for (const [name, service] of Object.entries(rawCompose().services))
      for (const [variable, value] of Object.entries(environmentOf(service))) {
        if (/PASSWORD|PASS$|TOKEN|AUTH$/.test(variable))
          assert.match(value, /^\$\{[A-Z_]+(:\?[^}]*)?\}$/, `${name} ${variable}`);
        if (/^[a-z]+:\/\/[^/]*@/.test(value)) assert.match(value, /:\$\{[A-Z_]+(:\?[^}]*)?\}@/, `${name} ${variable}`);
      }
    // The example's metrics token passes the server's own check (16 characters or more).
    assert.ok((example.AURA_METRICS_TOKEN ?? '').length >= 16);
  });

  it('interpolates the variables as compose does: $$, $NAME, defaults, required ones', () => {
    const vars = { A: 'a', EMPTY: '' };
    // Compose's ${VAR} written as \${ in template literals: the text is meant literally.
    const cases = [
      [`x\${A}y$A $$A`, 'xaya $A'],
      [`\${EMPTY:-d}|\${EMPTY-d}|\${UNSET-d}|\${A:-d}`, 'd||d|a'],
      [`\${EMPTY?fine}`, ''],
    ];
    for (const [text, expected] of cases) assert.equal(interpolate(text ?? '', vars), expected);
    assert.throws(() => interpolate(`\${EMPTY:?say why}`, vars), /EMPTY is missing: say why/);
  });
});

describe('deploy/docker', () => {
  for (const name of ['server', 'agent'] as const) {
    it(`${name}.Dockerfile: built on node:20-bookworm-slim, runs as the non-root user, checks its health with node`, () => {
      const all = dockerfileInstructions(readFileSync(dockerfilePath(name), 'utf8'));
      assert.deepEqual(
        all.filter((i) => i.keyword === 'FROM').map((i) => i.args),
        ['node:20-bookworm-slim AS build', 'node:20-bookworm-slim AS runtime'],
      );
      const runtime = runtimeStage(name);
      const user = last(runtime, 'USER')?.args ?? 'root';
      assert.doesNotMatch(user, /^(root|0)(:|$)/, `USER ${user}`);
      // The user is set after everything that needs root (the COPY, the volume's mount point).
      assert.ok(runtime.findIndex((i) => i.keyword === 'USER') > runtime.findLastIndex((i) => i.keyword === 'RUN'));
      const check = healthcheckCommand(last(runtime, 'HEALTHCHECK'));
      assert.equal(check?.[0], 'node', 'the slim image has no curl');
      assert.match(check?.join(' ') ?? '', /\/health/);
    });
  }

  it('the server image: production dependencies only, the dashboard built, port 8787 on every address, JSON logs', () => {
    const all = dockerfileInstructions(readFileSync(dockerfilePath('server'), 'utf8'));
    const build = stage(all, 'build')
      .filter((i) => i.keyword === 'RUN')
      .map((i) => i.args)
      .join(' && ');
    for (const step of [
      'npm ci',
      'npm run build:web',
      'npm run build:cli',
      'npm run build:server',
      'npm prune --omit=dev',
    ])
      assert.ok(build.includes(step), step);
    // The server is built before the prune takes esbuild away.
    assert.ok(build.indexOf('npm run build:server') < build.indexOf('npm prune'));
    const runtime = runtimeStage('server');
    assert.deepEqual(stageEnv(runtime), { HOST: '0.0.0.0', PORT: '8787', AURA_LOG_FORMAT: 'json' });
    assert.equal(last(runtime, 'EXPOSE')?.args, '8787');
    assert.deepEqual(execForm(last(runtime, 'CMD')?.args ?? ''), ['node', 'packages/server/dist/main.mjs']);
    // `npm start` runs the same file, after its build of the dashboard: start.mjs builds it if stale and imports it.
    const start: unknown = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')).scripts.start;
    assert.ok(String(start).endsWith('node packages/server/scripts/start.mjs'), String(start));
    assert.match(
      readFileSync(join(ROOT, 'packages/server/scripts/start.mjs'), 'utf8'),
      /await import\('\.\.\/dist\/main\.mjs'\)/,
    );
  });

  it('the agent image runs `aura agent` by default, any other aura command when given one', () => {
    const runtime = runtimeStage('agent');
    assert.deepEqual(execForm(last(runtime, 'ENTRYPOINT')?.args ?? ''), ['node', 'packages/cli/bin/aura.mjs']);
    assert.deepEqual(execForm(last(runtime, 'CMD')?.args ?? ''), ['agent']);
    assert.ok(runtime.some((i) => i.keyword === 'VOLUME' && i.args === '/data'));
  });

  it('both images share one build stage, which installs every workspace package', () => {
    const build = (name: 'server' | 'agent') =>
      stage(dockerfileInstructions(readFileSync(dockerfilePath(name), 'utf8')), 'build');
    assert.deepEqual(build('agent'), build('server'), 'the same instructions, so the builder caches them once');
    // npm ci fails on a workspace whose manifest was not copied before it.
    const copied = build('server')
      .filter((i) => i.keyword === 'COPY')
      .map((i) => i.args);
    for (const pkg of readdirSync(join(ROOT, 'packages')))
      if (existsSync(join(ROOT, 'packages', pkg, 'package.json')))
        assert.ok(copied.includes(`packages/${pkg}/package.json packages/${pkg}/`), `packages/${pkg}/package.json`);
  });

  it('.dockerignore keeps installed and built output, local data, git and env files out of the build', () => {
    const ignored = readFileSync(join(ROOT, '.dockerignore'), 'utf8')
      .split('\n')
      .map((l) => l.trim())
      .filter((l) => l && !l.startsWith('#'));
    for (const pattern of ['**/node_modules', '**/dist', '**/.aura-data', '.tmp', '.git', '**/.env'])
      assert.ok(ignored.includes(pattern), pattern);
    assert.ok(!ignored.some((p) => p.startsWith('!')), 'no exception lets a file back in');
  });
});

describe('docker-compose config', { skip: skipUnless('docker-compose') }, () => {
  const compose = (envFile: string, ...args: string[]) =>
    spawnSync('docker-compose', ['-f', COMPOSE_FILE, '--env-file', envFile, 'config', ...args], {
      cwd: ROOT,
      encoding: 'utf8',
      // Only the env file's variables: one exported in the shell running the tests must not count.
      env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '' },
      timeout: 60_000,
    });

  it('accepts the file with the example env file', () => {
    const quiet = compose(ENV_EXAMPLE, '-q');
    assert.equal(quiet.status, 0, quiet.stderr);
    assert.equal(quiet.stderr, '', 'no warning either');
  });

  it('resolves each service as these tests read it', () => {
    const resolved = compose(ENV_EXAMPLE);
    assert.equal(resolved.status, 0, resolved.stderr);
    const theirs = parse(resolved.stdout);
    for (const [name, service] of Object.entries(loadCompose().services)) {
      assert.deepEqual(
        theirs.services[name].environment ?? {},
        environmentOf(service),
        `${name}'s environment, as deploy-compose-topology.test.ts gives it to its process`,
      );
      assert.deepEqual(theirs.services[name].healthcheck?.test, service.healthcheck?.test, name);
    }
  });

  it('refuses to start without a required secret, and names it', () => {
    const dir = mkdtempSync(join(tmpdir(), 'aura-compose-'));
    try {
      const partial = join(dir, 'env');
      const example = readEnvFile(ENV_EXAMPLE);
      for (const secret of ['POSTGRES_PASSWORD', 'AURA_METRICS_TOKEN']) {
        writeFileSync(
          partial,
          Object.entries(example)
            .filter(([k]) => k !== secret)
            .map(([k, v]) => `${k}=${v}\n`)
            .join(''),
        );
        const run = compose(partial, '-q');
        assert.notEqual(run.status, 0);
        assert.match(run.stderr, new RegExp(`set ${secret} in deploy/.env`));
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
