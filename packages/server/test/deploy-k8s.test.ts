// The deployment files of deploy/k8s, deploy/logging and deploy/kong, checked without a cluster:
// each Kubernetes object against the API's own schema and field list (kubernetes-models, which
// is generated from Kubernetes' OpenAPI document), then what no schema can see: that the files
// agree with each other and with the server they deploy (the variables it reads, its probes'
// paths, its body limit, its WebSocket routes).
import assert from 'node:assert/strict';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import type { IDaemonSet } from 'kubernetes-models/apps/v1/DaemonSet';
import type { IDeployment } from 'kubernetes-models/apps/v1/Deployment';
import type { IStatefulSet } from 'kubernetes-models/apps/v1/StatefulSet';
import type { IHorizontalPodAutoscaler } from 'kubernetes-models/autoscaling/v2/HorizontalPodAutoscaler';
import type { IIngress } from 'kubernetes-models/networking.k8s.io/v1/Ingress';
import type { IPodDisruptionBudget } from 'kubernetes-models/policy/v1/PodDisruptionBudget';
import type { IConfigMap } from 'kubernetes-models/v1/ConfigMap';
import type { IContainer } from 'kubernetes-models/v1/Container';
import type { IPodTemplateSpec } from 'kubernetes-models/v1/PodTemplateSpec';
import type { ISecret } from 'kubernetes-models/v1/Secret';
import type { IService } from 'kubernetes-models/v1/Service';
import pino from 'pino';
import ts from 'typescript';
import { parseAllDocuments } from 'yaml';
import { loadConfig } from '../src/config.ts';
import { hostAllowed } from '../src/http/hosts.ts';

const ROOT = fileURLToPath(new URL('../../../', import.meta.url));
const K8S = join(ROOT, 'deploy/k8s');
const LOGGING = join(ROOT, 'deploy/logging');
const KONG = join(ROOT, 'deploy/kong/kong.yaml');
const NAMESPACE = 'aura';
/** In deploy/k8s but deliberately not in its kustomization (kustomization.yaml says why). */
const NOT_KUSTOMIZED = ['secret.example.yaml', 'agent-deployment.yaml'];

const isRecord = (value: unknown): value is Record<string, unknown> =>
  value !== null && typeof value === 'object' && !Array.isArray(value);

/** One YAML document of a file, as JavaScript. */
interface Loaded {
  readonly where: string;
  readonly value: unknown;
}

/**
 * Every document of a YAML file. Kubernetes reads YAML 1.1 (`yes`, `on` and `0755` are a boolean
 * and a number there, strings in 1.2, which the `yaml` package reads by default): each document
 * must mean the same under both, or the cluster would see another value than this test does.
 */
function loadYaml(path: string): Loaded[] {
  const text = readFileSync(path, 'utf8');
  const strict = parseAllDocuments(text, { uniqueKeys: true });
  const old = parseAllDocuments(text, { version: '1.1', uniqueKeys: true });
  assert.ok(Array.isArray(strict) && Array.isArray(old), `${path}: not YAML`);
  return strict.map((doc, i) => {
    const where = `${path.slice(ROOT.length)}#${i + 1}`;
    assert.deepEqual(doc.errors, [], `${where}: ${doc.errors.join('; ')}`);
    const value = doc.toJS();
    assert.deepEqual(old[i]?.toJS(), value, `${where} reads differently as YAML 1.1 (quote the ambiguous scalars)`);
    return { where, value };
  });
}

const yamlFiles = (dir: string) =>
  readdirSync(dir)
    .filter((name) => name.endsWith('.yaml') && statSync(join(dir, name)).isFile())
    .sort();

/** A Kubernetes object: what every one has, before its kind is known. */
interface KubeObject {
  apiVersion: string;
  kind: string;
  metadata: { name: string; namespace?: string };
  [field: string]: unknown;
}

interface Placed {
  readonly file: string;
  readonly where: string;
  readonly object: KubeObject;
}

function asObject({ where, value }: Loaded, file: string): Placed {
  assert.ok(isRecord(value), `${where}: not a mapping`);
  const { apiVersion, kind, metadata } = value;
  assert.ok(typeof apiVersion === 'string' && typeof kind === 'string', `${where}: no apiVersion or kind`);
  assert.ok(isRecord(metadata) && typeof metadata.name === 'string', `${where}: no metadata.name`);
  const namespace = typeof metadata.namespace === 'string' ? metadata.namespace : undefined;
  const object: KubeObject = {
    ...value,
    apiVersion,
    kind,
    metadata: { ...metadata, name: metadata.name, ...(namespace ? { namespace } : {}) },
  };
  return { file, where: `${where} (${kind} ${metadata.name})`, object };
}

const k8sFiles = yamlFiles(K8S).filter((name) => name !== 'kustomization.yaml');
const daemonsetFiles = yamlFiles(LOGGING).filter((name) => name.endsWith('-daemonset.yaml'));
const k8sObjects = k8sFiles.flatMap((file) => loadYaml(join(K8S, file)).map((doc) => asObject(doc, file)));
const loggingObjects = daemonsetFiles.flatMap((file) =>
  loadYaml(join(LOGGING, file)).map((doc) => asObject(doc, file)),
);
const allObjects = [...k8sObjects, ...loggingObjects];

/** The kinds the cross-checks read, typed as the API defines them once the schema check passed. */
interface Kinds {
  ConfigMap: IConfigMap;
  Secret: ISecret;
  StatefulSet: IStatefulSet;
  Deployment: IDeployment;
  DaemonSet: IDaemonSet;
  Service: IService;
  Ingress: IIngress;
  HorizontalPodAutoscaler: IHorizontalPodAutoscaler;
  PodDisruptionBudget: IPodDisruptionBudget;
}
const isKind =
  <K extends keyof Kinds>(kind: K) =>
  (object: KubeObject): object is KubeObject & Kinds[K] =>
    object.kind === kind;

function only<K extends keyof Kinds>(kind: K, file: string, name?: string): Kinds[K] {
  const found = k8sObjects
    .filter((p) => p.file === file)
    .map((p) => p.object)
    .filter(isKind(kind))
    .filter((o) => name === undefined || o.metadata.name === name);
  assert.equal(found.length, 1, `${file}: expected one ${kind}${name ? ` ${name}` : ''}, found ${found.length}`);
  const [object] = found;
  assert.ok(object);
  return object;
}

const configMap = only('ConfigMap', 'configmap.yaml');
const secret = only('Secret', 'secret.example.yaml');
const server = only('StatefulSet', 'server-statefulset.yaml');
const agent = only('Deployment', 'agent-deployment.yaml');
const clusterService = only('Service', 'service.yaml', 'aura-server');
const headlessService = only('Service', 'service.yaml', 'aura-server-headless');
const ingress = only('Ingress', 'ingress.yaml');
const hpa = only('HorizontalPodAutoscaler', 'hpa.yaml');
const pdb = only('PodDisruptionBudget', 'pdb.yaml');

function podTemplate(workload: { metadata?: { name?: string }; spec?: { template: IPodTemplateSpec } }) {
  const template = workload.spec?.template;
  assert.ok(template?.spec, `${workload.metadata?.name}: no pod template`);
  return { labels: template.metadata?.labels ?? {}, spec: template.spec };
}

function onlyContainer(workload: Parameters<typeof podTemplate>[0]): IContainer {
  const { containers } = podTemplate(workload).spec;
  assert.equal(containers.length, 1, `${workload.metadata?.name}: one container expected`);
  const [container] = containers;
  assert.ok(container);
  return container;
}

const serverContainer = onlyContainer(server);
const agentContainer = onlyContainer(agent);
const configData = configMap.data ?? {};
const secretData = secret.stringData ?? {};

/** A label selector selects these labels (matchLabels only: the files use nothing else). */
function selects(selector: Record<string, string> | undefined, labels: Record<string, string>): boolean {
  const wanted = Object.entries(selector ?? {});
  return wanted.length > 0 && wanted.every(([key, value]) => labels[key] === value);
}

/** Every file under `dir` whose name ends in .ts, tests left out. */
function sources(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return sources(path);
    return name.endsWith('.ts') && !name.endsWith('.test.ts') ? [path] : [];
  });
}

/** The environment variable names some source files read: env.NAME, env['NAME'], integer(env, 'NAME', ...). */
function namesRead(files: string[]): Set<string> {
  const names = new Set<string>();
  const patterns = [
    /\benv\.([A-Z][A-Z0-9_]*)\b/g,
    /\benv\[['"]([A-Z][A-Z0-9_]*)['"]\]/g,
    /\(env, '([A-Z][A-Z0-9_]*)'/g,
  ];
  for (const file of files) {
    const text = readFileSync(file, 'utf8');
    for (const pattern of patterns) for (const match of text.matchAll(pattern)) if (match[1]) names.add(match[1]);
  }
  return names;
}

const serverReads = namesRead([join(ROOT, 'packages/server/src/config.ts')]);
// `aura agent` is the CLI running the agent: the CLI, the agent, the assistant and the client.
const agentReads = namesRead(
  ['cli', 'agent', 'assistant', 'client'].flatMap((pkg) => sources(join(ROOT, 'packages', pkg, 'src'))),
);

/** What a container's env sets, by name, with what each value comes from. */
function environment(container: IContainer) {
  return new Map((container.env ?? []).map((variable) => [variable.name, variable]));
}

describe('deploy/k8s and deploy/logging: every object is one the Kubernetes API accepts', () => {
  it('the files hold the objects this test reads, each named, in namespace aura', () => {
    assert.ok(k8sObjects.length >= 10 && loggingObjects.length >= 4);
    for (const { where, object } of k8sObjects) {
      if (object.kind === 'Namespace') assert.equal(object.metadata.name, NAMESPACE, where);
      else assert.equal(object.metadata.namespace, NAMESPACE, `${where}: not in namespace ${NAMESPACE}`);
    }
    const names = allObjects.map(({ object: o }) => `${o.kind}/${o.metadata.namespace ?? ''}/${o.metadata.name}`);
    assert.deepEqual(
      names.filter((n, i) => names.indexOf(n) !== i),
      [],
      'one object defined twice',
    );
  });

  it("validates against the API's schema (types, required fields, formats)", async () => {
    for (const { where, object } of allObjects) {
      // kubernetes-models/<group>/<version>/<Kind>: one class per kind, with the validator
      // generated from that kind's schema in Kubernetes' OpenAPI document.
      const module: Record<string, unknown> = await import(`kubernetes-models/${object.apiVersion}/${object.kind}`);
      const Model = module[object.kind];
      assert.equal(typeof Model, 'function', `${where}: kubernetes-models has no ${object.apiVersion} ${object.kind}`);
      if (typeof Model !== 'function') continue;
      const model: unknown = Reflect.construct(Model, [object]);
      assert.ok(isRecord(model) && typeof model.validate === 'function');
      try {
        model.validate();
      } catch (error) {
        assert.fail(`${where}: ${error instanceof Error ? error.message : String(error)}`);
      }
    }
  });

  it('has no field the API does not know (a misspelled field would be dropped or refused)', () => {
    // The schemas allow unknown fields; the same models' TypeScript interfaces do not, so each
    // object is type-checked as a literal of its kind's interface: an excess property is an error.
    const path = join(ROOT, 'packages/server/test/__deploy-manifests__.ts');
    const starts: { at: number; where: string }[] = [];
    let text = '';
    allObjects.forEach(({ where, object }, i) => {
      starts.push({ at: text.length, where });
      const type = `import('kubernetes-models/${object.apiVersion}/${object.kind}').I${object.kind}`;
      text += `export const object${i}: ${type} = ${JSON.stringify(object, null, 2)};\n`;
    });
    const options: ts.CompilerOptions = {
      strict: true,
      noEmit: true,
      skipLibCheck: true,
      target: ts.ScriptTarget.ES2022,
      module: ts.ModuleKind.NodeNext,
      moduleResolution: ts.ModuleResolutionKind.NodeNext,
      types: [],
    };
    const host = ts.createCompilerHost(options);
    const { getSourceFile, fileExists } = host;
    host.getSourceFile = (name, language, ...rest) =>
      name === path ? ts.createSourceFile(name, text, language) : getSourceFile.call(host, name, language, ...rest);
    host.fileExists = (name) => name === path || fileExists.call(host, name);
    const program = ts.createProgram([path], options, host);
    const problems = ts.getPreEmitDiagnostics(program).map((d) => {
      const at = d.start ?? 0;
      const where = starts.filter((s) => s.at <= at).at(-1)?.where ?? path;
      return `${where}: ${ts.flattenDiagnosticMessageText(d.messageText, ' ')}`;
    });
    assert.deepEqual(problems, []);
  });
});

describe('deploy/k8s: the files agree with each other', () => {
  it('every ConfigMap and Secret reference names one of the files, and a key it has', () => {
    const maps = new Map([[configMap.metadata?.name, configData]]);
    const secrets = new Map([[secret.metadata?.name, secretData]]);
    for (const container of [serverContainer, agentContainer]) {
      for (const source of container.envFrom ?? []) {
        if (source.configMapRef) assert.ok(maps.has(source.configMapRef.name), `envFrom ${source.configMapRef.name}`);
        if (source.secretRef) assert.ok(secrets.has(source.secretRef.name), `envFrom ${source.secretRef.name}`);
      }
      for (const { name, valueFrom } of container.env ?? []) {
        const mapRef = valueFrom?.configMapKeyRef;
        if (mapRef)
          assert.ok(maps.get(mapRef.name)?.[mapRef.key] !== undefined, `${name}: ${mapRef.name}/${mapRef.key}`);
        const secretRef = valueFrom?.secretKeyRef;
        if (secretRef)
          assert.ok(
            secrets.get(secretRef.name)?.[secretRef.key] !== undefined,
            `${name}: ${secretRef.name}/${secretRef.key}`,
          );
      }
    }
  });

  it('both Services select the StatefulSet’s pods, on a port the container has', () => {
    const { labels, spec } = podTemplate(server);
    assert.ok(selects(server.spec?.selector.matchLabels, labels), 'the StatefulSet selects its own pods');
    assert.equal(server.spec?.serviceName, headlessService.metadata?.name, 'serviceName is the headless Service');
    assert.equal(headlessService.spec?.clusterIP, 'None');
    assert.equal(clusterService.spec?.type ?? 'ClusterIP', 'ClusterIP');
    const ports = spec.containers.flatMap((c) => c.ports ?? []);
    for (const service of [clusterService, headlessService]) {
      assert.ok(selects(service.spec?.selector, labels), `${service.metadata?.name} selects the server pods`);
      assert.ok(
        !selects(service.spec?.selector, podTemplate(agent).labels),
        `${service.metadata?.name} selects the agent`,
      );
      for (const port of service.spec?.ports ?? [])
        assert.ok(
          ports.some((p) => p.name === port.targetPort || p.containerPort === port.targetPort),
          `${service.metadata?.name}: targetPort ${port.targetPort}`,
        );
    }
  });

  it('probes: liveness and start-up GET /health, readiness GET /ready, with a Host the server answers', () => {
    const allowed = loadConfig({ AURA_ALLOWED_HOSTS: configData.AURA_ALLOWED_HOSTS }).allowedHosts;
    const probes = {
      startupProbe: '/health',
      livenessProbe: '/health',
      readinessProbe: '/ready',
    } as const;
    for (const [probe, path] of Object.entries(probes) as [keyof typeof probes, string][]) {
      const get = serverContainer[probe]?.httpGet;
      assert.equal(get?.path, path, `${probe}'s path`);
      assert.ok(
        serverContainer.ports?.some((p) => p.name === get?.port || p.containerPort === get?.port),
        `${probe}'s port is the container's`,
      );
      // The server refuses any Host not in AURA_ALLOWED_HOSTS, the pod IP the kubelet sends by default too.
      const host = get?.httpHeaders?.find((h) => h.name.toLowerCase() === 'host')?.value;
      assert.ok(host && allowed.includes(host), `${probe} sends Host ${host}, which AURA_ALLOWED_HOSTS lists`);
    }
  });

  it('Prometheus in the cluster (deploy/prometheus/kubernetes.yml) scrapes each server pod by a Host the server answers', () => {
    const allowed = loadConfig({ AURA_ALLOWED_HOSTS: configData.AURA_ALLOWED_HOSTS }).allowedHosts;
    const config = parseAllDocuments(readFileSync(join(ROOT, 'deploy/prometheus/kubernetes.yml'), 'utf8'))[0]?.toJSON();
    const job = config.scrape_configs.find((j: { job_name: string }) => j.job_name === 'aura');
    assert.deepEqual(job.kubernetes_sd_configs[0].namespaces.names, [NAMESPACE]);
    const port = serverContainer.ports?.find((p) => p.name === 'http');
    // The labels Prometheus's pod discovery gives each container port of a pod.
    const discovered = (pod: string, labels: Record<string, string>, portName: string, portNumber: number) => ({
      __address__: `10.1.2.3:${portNumber}`,
      __meta_kubernetes_namespace: NAMESPACE,
      __meta_kubernetes_pod_name: pod,
      __meta_kubernetes_pod_container_port_name: portName,
      __meta_kubernetes_pod_container_port_number: String(portNumber),
      ...Object.fromEntries(
        Object.entries(labels).map(([k, v]) => [`__meta_kubernetes_pod_label_${k.replace(/[^a-zA-Z0-9_]/g, '_')}`, v]),
      ),
    });
    const serverPod = discovered('aura-server-0', podTemplate(server).labels, 'http', Number(port?.containerPort));
    const target = relabel(job.relabel_configs, serverPod);
    assert.ok(target, 'the server pod is scraped');
    assert.equal(
      target.__address__,
      `aura-server-0.aura-server-headless.aura.svc.cluster.local:${port?.containerPort}`,
    );
    assert.ok(hostAllowed(allowed, target.__address__), `the server answers Host ${target.__address__}`);
    assert.ok(!hostAllowed(allowed, serverPod.__address__), 'a pod IP is refused (why the address is rewritten)');
    assert.equal(target.instance, 'aura-server-0');
    assert.equal(
      relabel(job.relabel_configs, discovered('aura-agent-x', podTemplate(agent).labels, 'http', 8787)),
      null,
    );
    assert.equal(
      relabel(job.relabel_configs, { ...serverPod, __meta_kubernetes_pod_container_port_name: 'other' }),
      null,
    );
  });

  it('the autoscaler scales the StatefulSet by name, with the spec’s numbers, on resources the pods request', () => {
    const target = hpa.spec?.scaleTargetRef;
    assert.deepEqual(
      { apiVersion: target?.apiVersion, kind: target?.kind, name: target?.name },
      { apiVersion: 'apps/v1', kind: 'StatefulSet', name: server.metadata?.name },
    );
    assert.equal(hpa.spec?.minReplicas, 3);
    assert.equal(hpa.spec?.maxReplicas, 10);
    const targets = Object.fromEntries(
      (hpa.spec?.metrics ?? []).map((m) => [m.resource?.name, m.resource?.target.averageUtilization]),
    );
    assert.deepEqual(targets, { cpu: 70, memory: 80 });
    // A utilization target is a share of the request: without one the autoscaler cannot act.
    for (const name of Object.keys(targets))
      assert.ok(serverContainer.resources?.requests?.[name] !== undefined, `the server requests ${name}`);
    // The autoscaler owns the count: a number in the StatefulSet would undo its choice at every apply.
    assert.equal(server.spec?.replicas, undefined);
    // Removing a pod strands its executor's workflows (hpa.yaml says why): never done automatically.
    assert.equal(hpa.spec?.behavior?.scaleDown?.selectPolicy, 'Disabled');
  });

  it('the disruption budget covers the server pods and keeps most of them up', () => {
    assert.ok(selects(pdb.spec?.selector?.matchLabels, podTemplate(server).labels));
    assert.equal(typeof pdb.spec?.maxUnavailable, 'number');
    assert.ok(Number(pdb.spec?.maxUnavailable) < (hpa.spec?.minReplicas ?? 1));
  });

  it('the Ingress routes to the ClusterIP Service, with TLS, long timeouts and the server’s body limit', () => {
    const backends = (ingress.spec?.rules ?? []).flatMap((r) => r.http?.paths ?? []).map((p) => p.backend.service);
    assert.ok(backends.length > 0);
    for (const backend of backends) {
      assert.equal(backend?.name, clusterService.metadata?.name);
      assert.ok(
        clusterService.spec?.ports?.some((p) => p.name === backend?.port?.name || p.port === backend?.port?.number),
      );
    }
    const hosts = (ingress.spec?.rules ?? []).map((r) => r.host);
    assert.deepEqual(
      ingress.spec?.tls?.flatMap((t) => t.hosts ?? []),
      hosts,
    );
    const config = loadConfig({ AURA_ALLOWED_HOSTS: configData.AURA_ALLOWED_HOSTS });
    for (const host of hosts) assert.ok(host && config.allowedHosts.includes(host), `AURA_ALLOWED_HOSTS lists ${host}`);
    const annotations = ingress.metadata?.annotations ?? {};
    assert.ok(Number(annotations['nginx.ingress.kubernetes.io/proxy-read-timeout']) >= 3600);
    assert.ok(Number(annotations['nginx.ingress.kubernetes.io/proxy-send-timeout']) >= 3600);
    assert.equal(nginxSize(annotations['nginx.ingress.kubernetes.io/proxy-body-size']), bodyLimit());
  });

  it('the kustomization lists every file of deploy/k8s but the two left out on purpose, and names the image', () => {
    const [kustomization] = loadYaml(join(K8S, 'kustomization.yaml'));
    assert.ok(isRecord(kustomization?.value));
    const { resources, namespace, images } = kustomization.value;
    assert.equal(namespace, NAMESPACE);
    assert.deepEqual(
      Array.isArray(resources) ? [...resources].sort() : resources,
      k8sFiles.filter((f) => !NOT_KUSTOMIZED.includes(f)),
    );
    assert.ok(Array.isArray(images));
    const named = images.filter(isRecord).map((image) => image.name);
    assert.ok(named.includes(imageName(serverContainer)), 'the server image can be set with kustomize edit set image');
  });

  it('the images are tagged with the release the files come from', () => {
    const { version } = JSON.parse(readFileSync(join(ROOT, 'packages/server/package.json'), 'utf8'));
    assert.equal(serverContainer.image, `aura-server:${version}`);
    assert.equal(agentContainer.image, `aura-agent:${version}`);
  });
});

describe('deploy/k8s: the files agree with the server and the agent they deploy', () => {
  it('every variable set for the server is one packages/server/src/config.ts reads', () => {
    assert.ok(serverReads.has('DATABASE_URL') && serverReads.has('AURA_EXECUTOR_ID'), 'the pattern finds the names');
    const set = [
      ...Object.keys(configData),
      ...(serverContainer.env ?? []).map((v) => v.name),
      // Whatever envFrom brings: the whole ConfigMap (above) or Secret.
      ...(serverContainer.envFrom ?? []).flatMap((s) => (s.secretRef ? Object.keys(secretData) : [])),
    ];
    assert.deepEqual(
      set.filter((name) => !serverReads.has(name)),
      [],
    );
    // And every key of the Secret is one the server reads, so none is set for nothing.
    assert.deepEqual(
      Object.keys(secretData).filter((name) => !serverReads.has(name)),
      [],
    );
  });

  it('every variable set for the agent is one `aura agent` reads', () => {
    assert.ok(agentReads.has('AURA_HOME') && agentReads.has('AURA_SERVER'), 'the pattern finds the names');
    assert.deepEqual(
      (agentContainer.env ?? []).map((v) => v.name).filter((name) => !agentReads.has(name)),
      [],
    );
    assert.equal(environment(agentContainer).get('AURA_HOME')?.value, agentContainer.volumeMounts?.[0]?.mountPath);
  });

  it('the server loads the configuration the files give it: on all addresses, JSON logs, one executor id per pod', () => {
    const env: Record<string, string> = { ...configData };
    for (const variable of serverContainer.env ?? []) {
      const from = variable.valueFrom;
      if (variable.value !== undefined) env[variable.name] = variable.value;
      else if (from?.secretKeyRef) env[variable.name] = secretData[from.secretKeyRef.key] ?? '';
      else if (from?.fieldRef?.fieldPath === 'metadata.name') env[variable.name] = `${server.metadata?.name}-1`;
      else assert.fail(`${variable.name}: a source this test does not know`);
    }
    const config = loadConfig(env);
    assert.equal(config.host, '0.0.0.0');
    assert.equal(config.logFormat, 'json');
    assert.ok(config.databaseUrl && config.redisUrl && config.amqpUrl, 'PostgreSQL, Redis and RabbitMQ are shared');
    assert.equal(config.port, serverContainer.ports?.find((p) => p.name === 'http')?.containerPort);
    // The executor id is the pod's name: stable per replica, one per process.
    assert.equal(environment(serverContainer).get('AURA_EXECUTOR_ID')?.valueFrom?.fieldRef?.fieldPath, 'metadata.name');
    assert.equal(config.orchestration.executorId, 'aura-server-1');
    assert.ok(config.allowedHosts.includes(`${clusterService.metadata?.name}.${NAMESPACE}.svc.cluster.local`));
  });

  it('the server runs as a non-root user on a read-only root, with /tmp writable', () => {
    const { spec } = podTemplate(server);
    assert.equal(spec.securityContext?.runAsNonRoot, true);
    assert.notEqual(spec.securityContext?.runAsUser, 0);
    assert.equal(serverContainer.securityContext?.readOnlyRootFilesystem, true);
    assert.equal(serverContainer.securityContext?.allowPrivilegeEscalation, false);
    const tmp = serverContainer.volumeMounts?.find((m) => m.mountPath === '/tmp');
    assert.ok(
      spec.volumes?.some((v) => v.name === tmp?.name && v.emptyDir),
      '/tmp is an emptyDir',
    );
    // main.ts gives up stopping after 30 s; the kubelet must wait longer than that plus preStop.
    const preStop = serverContainer.lifecycle?.preStop?.sleep?.seconds ?? 0;
    assert.ok((spec.terminationGracePeriodSeconds ?? 30) > 30 + preStop);
  });
});

describe('deploy/kong/kong.yaml', () => {
  const [kong] = loadYaml(KONG);
  const config = isRecord(kong?.value) ? kong.value : {};
  const services = Array.isArray(config.services) ? config.services.filter(isRecord) : [];
  const routes = services.flatMap((s) => (Array.isArray(s.routes) ? s.routes.filter(isRecord) : []));

  it('is a declarative configuration of format 3.0', () => {
    assert.equal(config._format_version, '3.0');
    assert.ok(services.length > 0 && routes.length > 0);
  });

  it('sends every service to the ClusterIP Service by its DNS name and port, keeping the Host', () => {
    const port = clusterService.spec?.ports?.[0]?.port;
    for (const service of services)
      assert.equal(service.url, `http://${clusterService.metadata?.name}.${NAMESPACE}.svc.cluster.local:${port}`);
    for (const route of routes)
      assert.equal(route.preserve_host, true, `${route.name}: the server answers only its names`);
  });

  it('routes both WebSockets of the server, with a timeout that lets them stay open', () => {
    const serverSources = sources(join(ROOT, 'packages/server/src')).map((f) => readFileSync(f, 'utf8'));
    for (const path of ['/api/v1/agent/connect', '/api/v1/notifications/connect']) {
      assert.ok(
        serverSources.some((text) => text.includes(`url: '${path}'`)),
        `the server has ${path}`,
      );
      const service = services.find((s) =>
        (Array.isArray(s.routes) ? s.routes.filter(isRecord) : []).some(
          (r) => Array.isArray(r.paths) && r.paths.includes(path) && r.strip_path === false,
        ),
      );
      assert.ok(service, `a route for ${path}`);
      assert.ok(Number(service.read_timeout) >= 3_600_000, `${path}: Kong's read timeout`);
    }
  });

  it('limits the request size to the server’s body limit, and has a rate-limiting example', () => {
    const plugins = [config, ...services, ...routes].flatMap((o) =>
      Array.isArray(o.plugins) ? o.plugins.filter(isRecord) : [],
    );
    const size = plugins.find((p) => p.name === 'request-size-limiting')?.config;
    assert.ok(isRecord(size));
    assert.equal(size.size_unit, 'bytes');
    assert.equal(size.allowed_payload_size, bodyLimit());
    assert.ok(plugins.some((p) => p.name === 'rate-limiting'));
  });
});

describe('deploy/logging', () => {
  const daemonset = loggingObjects.map((p) => p.object).find(isKind('DaemonSet'));
  const [kustomization] = loadYaml(join(LOGGING, 'kustomization.yaml'));
  const conf = readFileSync(join(LOGGING, 'fluent-bit.conf'), 'utf8');
  /** `Key value` lines of fluent-bit.conf's sections, in order. */
  const sections = conf
    .split(/^\[/m)
    .slice(1)
    .map((block) => {
      const [head = '', ...lines] = block.split('\n');
      const entries = lines
        .map((line) => line.trim())
        .filter((line) => line && !line.startsWith('#'))
        .map((line) => {
          const [key = '', ...value] = line.split(/\s+/);
          return [key.toLowerCase(), value.join(' ')] as const;
        });
      return { section: head.replace(/\].*/, ''), get: (key: string) => entries.find(([k]) => k === key)?.[1] };
    });

  it('the kustomization makes the ConfigMap the DaemonSet mounts, from files that exist', () => {
    assert.ok(daemonset && isRecord(kustomization?.value));
    const { resources, configMapGenerator } = kustomization.value;
    assert.deepEqual(resources, daemonsetFiles);
    assert.ok(Array.isArray(configMapGenerator));
    const [generated] = configMapGenerator.filter(isRecord);
    const volume = podTemplate(daemonset).spec.volumes?.find((v) => v.configMap);
    assert.equal(volume?.configMap?.name, generated?.name);
    assert.equal(generated?.namespace, daemonset.metadata?.namespace);
    const files = Array.isArray(generated?.files) ? generated.files : [];
    for (const file of files) assert.ok(statSync(join(LOGGING, String(file))).isFile(), `${file} exists`);
    // What the configuration loads is in that ConfigMap, at the path it is mounted on.
    const mount = onlyContainer(daemonset).volumeMounts?.find((m) => m.name === volume?.name)?.mountPath ?? '';
    const loaded = [
      sections.find((s) => s.section === 'SERVICE')?.get('parsers_file'),
      ...sections.filter((s) => s.get('name') === 'lua').map((s) => s.get('script')),
    ];
    for (const path of loaded) {
      assert.ok(path !== undefined && mount !== '' && path.startsWith(mount), `${path} is under ${mount}`);
      assert.ok(files.includes(path.slice(mount.length).replace(/^\//, '')), `${path} is in the ConfigMap`);
    }
  });

  it('tails the server pods’ files, and parses them with the pino parser that parsers.conf defines', () => {
    const tail = sections.find((s) => s.get('name') === 'tail');
    const glob = tail?.get('path') ?? '';
    const pattern = new RegExp(`^${glob.replace(/[.+?^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '[^/]*')}$`);
    // The kubelet's name for a container's log: <pod>_<namespace>_<container>-<container id>.log.
    const container = serverContainer.name;
    assert.match(`/var/log/containers/${server.metadata?.name}-0_${NAMESPACE}_${container}-0123abcd.log`, pattern);
    assert.doesNotMatch(`/var/log/containers/postgres-0_${NAMESPACE}_postgres-0123abcd.log`, pattern);
    const parser = sections.find((s) => s.get('name') === 'parser')?.get('parser');
    const parsers = readFileSync(join(LOGGING, 'parsers.conf'), 'utf8');
    assert.match(parsers, new RegExp(`^\\s*Name\\s+${parser}\\s*$`, 'm'));
    assert.equal(parser, 'pino');
  });

  it('pino.lua names the levels as pino numbers them', () => {
    const lua = readFileSync(join(LOGGING, 'pino.lua'), 'utf8');
    const table = Object.fromEntries([...lua.matchAll(/\[(\d+)\]\s*=\s*"(\w+)"/g)].map((m) => [m[2], Number(m[1])]));
    assert.deepEqual(table, pino.levels.values);
    const call = sections.find((s) => s.get('name') === 'lua')?.get('call');
    assert.match(lua, new RegExp(`^function ${call}\\(tag, timestamp, record\\)`, 'm'));
  });
});

/** The server's body limit as the files configure it (configmap.yaml, else the server's default). */
function bodyLimit(): number {
  return loadConfig({ AURA_BODY_LIMIT: configData.AURA_BODY_LIMIT }).bodyLimitBytes;
}

/** An nginx size ("4m", "512k", "1048576") in bytes. */
function nginxSize(value: string | undefined): number {
  const match = /^(\d+)([kKmMgG]?)$/.exec(value ?? '');
  assert.ok(match, `not an nginx size: ${value}`);
  const unit = { '': 1, k: 1024, m: 1024 ** 2, g: 1024 ** 3 }[(match[2] ?? '').toLowerCase()] ?? Number.NaN;
  return Number(match[1]) * unit;
}

function imageName(container: IContainer): string {
  return (container.image ?? '').replace(/[:@].*$/, '');
}

/** Prometheus's relabelling, the two actions kubernetes.yml uses: the target's labels, or null when dropped. */
function relabel(
  rules: { source_labels?: string[]; regex?: string; action?: string; replacement?: string; target_label?: string }[],
  labels: Record<string, string>,
): Record<string, string> | null {
  const out = { ...labels };
  for (const rule of rules) {
    const value = (rule.source_labels ?? []).map((l) => out[l] ?? '').join(';');
    const match = new RegExp(`^(?:${rule.regex ?? '(.*)'})$`).exec(value);
    const action = rule.action ?? 'replace';
    if (action === 'keep') {
      if (!match) return null;
    } else if (action === 'replace') {
      if (match && rule.target_label)
        out[rule.target_label] = (rule.replacement ?? '$1').replace(/\$(\d)/g, (_, i) => match[Number(i)] ?? '');
    } else throw new Error(`relabel action ${action} is not modelled here`);
  }
  return out;
}
