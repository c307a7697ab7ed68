import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ConfigError } from '@lakestream/config';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { envOf, parseDockerfile } from '../src/dockerfile.js';
import {
  type K8sObject,
  kubeconform,
  kustomizeBuild,
  mountedFiles,
  resolveEnv,
  type Workload,
  workloads,
} from '../src/k8s.js';
import { DEPLOY_DIR, DOCKER_DIR, K8S_DIR } from '../src/paths.js';
import { KUBERNETES_VERSIONS, kubernetesSchemas } from '../src/tools.js';
import {
  checkServiceArgs,
  loadServiceConfig,
  serviceConfigDefinition,
  workspaceServices,
} from '../src/workspace.js';
import {
  expectDbSourceWired,
  expectDocumentSourcesWired,
  expectEurostatSourceWired,
} from './wiring.js';

/**
 * What is deployed: both overlays, the example that adds the mounted-key component, and the
 * example that adds the one-off quality-report backfill Job.
 */
const TARGETS = [
  'overlays/dev',
  'overlays/prod',
  'examples/prod-with-gcp-key',
  'examples/firestore-backfill',
] as const;

const STREAMING = ['audit-sink', 'bronze-sink', 'dashboard', 'transformer', 'warehouse-loader'];
/**
 * The database source (components/db-source). The loader applies database sync batches to DuckDB
 * only, so a build deploys it exactly when its warehouse is DuckDB (dev), and prod (BigQuery)
 * leaves db-sync out until the loader applies the batches to BigQuery.
 */
const DB_SOURCE = { Deployment: ['bronze-sink-db', 'warehouse-loader-db'], CronJob: ['db-sync'] };
/**
 * The document sources (components/document-sources), in every build: the loader's documents
 * worker applies Firestore snapshots and quality reports to DuckDB and to BigQuery alike.
 */
const DOCUMENT_SOURCES = {
  Deployment: ['bronze-sink-documents', 'warehouse-loader-documents'],
  CronJob: ['firestore-export'],
};
/**
 * The Eurostat source (components/eurostat-source), in every build: its state is PostgreSQL and
 * the lake, which every overlay has.
 */
const EUROSTAT_SOURCE = {
  Deployment: ['eurostat-sync-worker'],
  CronJob: ['eurostat-catalog', 'eurostat-watch'],
};
const NODE_IMAGE_ENV = Object.fromEntries(
  envOf(parseDockerfile(join(DOCKER_DIR, 'Dockerfile')).stages.at(-1)!),
);

/** The workspace service an image runs: the last path segment of its name. */
function serviceOf(image: string): string {
  return image.split('@')[0]!.split(':')[0]!.split('/').at(-1)!;
}

// biome-ignore lint/suspicious/noExplicitAny: a container spec
function containerOf(workload: Workload): any {
  expect(workload.podSpec.containers, `${workload.kind}/${workload.name}`).toHaveLength(1);
  return workload.podSpec.containers[0];
}

/** The init containers of a pod, then its container: everything that runs in it. */
// biome-ignore lint/suspicious/noExplicitAny: container specs
function containersOf(workload: Workload): any[] {
  return [...(workload.podSpec.initContainers ?? []), containerOf(workload)];
}

/** The warehouse a build's services write: WAREHOUSE_TARGET of the shared ConfigMap. */
function warehouseTargetOf(objects: readonly K8sObject[]): string {
  const config = objects.find(
    (o) => o.kind === 'ConfigMap' && o.metadata.name.startsWith('lakestream-config'),
  );
  return config?.data?.WAREHOUSE_TARGET ?? 'duckdb';
}

/**
 * Loads a Node container's environment with its service's config schema. Variables that come
 * from Secrets created outside Git (not in the build) may be missing; nothing else may be wrong.
 */
async function loadContainerConfig(
  workload: Workload,
  objects: readonly K8sObject[],
  // biome-ignore lint/suspicious/noExplicitAny: a container spec
  container: any = containerOf(workload),
): Promise<{ service: string; config: Record<string, unknown>; external: string[] }> {
  const service = serviceOf(container.image);
  const { env, external } = resolveEnv(container, objects);
  const args = container.args ?? [];
  const files = mountedFiles(container, workload.podSpec, objects);
  const load = (vars: NodeJS.ProcessEnv) => loadServiceConfig(service, args, vars, files);
  try {
    return { service, config: await load({ ...NODE_IMAGE_ENV, ...env }), external };
  } catch (err) {
    if (!(err instanceof ConfigError)) throw err;
    const unexpected = err.problems.filter(
      (p) => !(p.kind === 'missing' && external.includes(p.variable)),
    );
    expect(
      unexpected.map((p) => p.message),
      `${workload.kind}/${workload.name} ${container.name}`,
    ).toEqual([]);
    // Only out-of-band secrets are missing: load with stand-ins to read the rest of the config.
    const standIns = Object.fromEntries(
      external.map((name) => [name, 'postgres://user:secret@db.invalid:5432/lakestream']),
    );
    return { service, config: await load({ ...NODE_IMAGE_ENV, ...env, ...standIns }), external };
  }
}

describe('deploy/k8s', () => {
  const dir = mkdtempSync(join(tmpdir(), 'lakestream-k8s-'));
  const files: string[] = [];

  beforeAll(async () => {
    for (const target of TARGETS) {
      const { yaml } = await kustomizeBuild(join(K8S_DIR, target));
      const file = join(dir, `${target.replace('/', '-')}.yaml`);
      writeFileSync(file, yaml);
      files.push(file);
    }
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it.each(KUBERNETES_VERSIONS)(
    'overlays build with kustomize and validate strictly against the Kubernetes %s schemas',
    async (version) => {
      const result = await kubeconform(files, await kubernetesSchemas(version));
      expect(result.output).toMatch(/Invalid: 0, Errors: 0, Skipped: 0/);
      expect(result.ok, result.output).toBe(true);
    },
  );

  it('rejects what the API server would reject (the schemas are really applied)', async () => {
    const file = join(dir, 'broken.yaml');
    writeFileSync(
      file,
      [
        'apiVersion: apps/v1',
        'kind: Deployment',
        'metadata: { name: broken }',
        'spec:',
        '  selector: { matchLabels: { app: broken } }',
        '  template:',
        '    metadata: { labels: { app: broken } }',
        '    spec:',
        '      containers:',
        '        - name: broken',
        '          image: broken:1',
        '          ports: [{ containerPort: "9464" }]',
        '          livenessProbe: { httpGet: { path: /healthz, port: 9464 }, periodSecond: 10 }',
      ].join('\n'),
    );
    const result = await kubeconform([file], await kubernetesSchemas(KUBERNETES_VERSIONS[0]));
    expect(result.ok).toBe(false);
    expect(result.output).toMatch(/containerPort/);
    expect(result.output).toMatch(/periodSecond/);
  });
});

describe.each(TARGETS)('deploy/k8s/%s', (target) => {
  let objects: K8sObject[];
  let all: Workload[];

  beforeAll(async () => {
    ({ objects } = await kustomizeBuild(join(K8S_DIR, target)));
    all = workloads(objects);
  });

  it('runs the streaming services as Deployments, the producer as a Job and the batch stages as CronJobs', () => {
    const names = (kind: string) =>
      all
        .filter((w) => w.kind === kind)
        .map((w) => w.name)
        .sort();
    const dbSource = warehouseTargetOf(objects) === 'duckdb';
    const withDb = (base: string[], db: string[]) => [...base, ...(dbSource ? db : [])].sort();
    expect(names('Deployment')).toEqual(
      withDb(
        [...STREAMING, ...DOCUMENT_SOURCES.Deployment, ...EUROSTAT_SOURCE.Deployment],
        DB_SOURCE.Deployment,
      ),
    );
    const backfill = target === 'examples/firestore-backfill';
    expect(names('Job')).toEqual(backfill ? ['firestore-backfill', 'producer'] : ['producer']);
    expect(names('CronJob')).toEqual(
      withDb(
        [
          'dbt',
          'transformer-run',
          'warehouse-loader-run',
          ...DOCUMENT_SOURCES.CronJob,
          ...EUROSTAT_SOURCE.CronJob,
        ],
        DB_SOURCE.CronJob,
      ),
    );
    const workload = (name: string) => all.find((w) => w.name === name)!;
    const args = (name: string) => containerOf(workload(name)).args;
    expect(args('transformer')).toEqual(['worker']);
    expect(args('warehouse-loader')).toEqual(['worker']);
    expect(args('transformer-run')).toEqual(['run']);
    expect(args('warehouse-loader-run')).toEqual(['run']);
    for (const cron of all.filter((w) => w.kind === 'CronJob')) {
      expect(cron.object.spec.concurrencyPolicy, cron.name).toBe('Forbid');
    }
    if (dbSource) {
      expect(args('db-sync')).toEqual(['run']);
      expect(workload('db-sync').object.spec.schedule).toBe('*/15 * * * *');
      expect(workload('db-sync').object.spec.suspend).toBe(false);
      expect(args('warehouse-loader-db')).toEqual(['db-worker']);
      // Sync batches apply strictly in topic order: one worker, also during a rollout.
      expect(workload('warehouse-loader-db').object.spec.replicas).toBe(1);
      expect(workload('warehouse-loader-db').object.spec.strategy.type).toBe('Recreate');
      // The sink's topics are created before it subscribes.
      const init = workload('bronze-sink-db').podSpec.initContainers;
      expect(init.map((c: { image: string }) => serviceOf(c.image))).toEqual(['db-sync']);
      expect(init[0].args).toEqual(['topics']);
    }
    // The export runs once a day with its environment's profile; the documents worker is one
    // instance (snapshots of a collection replace each other in manifest order).
    const exportArgs = args('firestore-export');
    expect(exportArgs.slice(0, 3)).toEqual([
      'export',
      '--profile',
      target === 'overlays/dev' ? 'dev' : 'prod',
    ]);
    expect(workload('firestore-export').object.spec.schedule).toMatch(/^\d+ \d+ \* \* \*$/);
    expect(workload('firestore-export').object.spec.suspend).toBe(false);
    expect(args('warehouse-loader-documents')).toEqual(['documents-worker']);
    expect(workload('warehouse-loader-documents').object.spec.replicas).toBe(1);
    expect(workload('warehouse-loader-documents').object.spec.strategy.type).toBe('Recreate');
    expect(args('bronze-sink-documents')).toBeUndefined();
    // Eurostat: the catalogue weekly, the watch after each of Eurostat's two daily updates (11:00
    // and 23:00 Luxembourg time), each pod one run (the schedule is the CronJob's, no --every);
    // one sync worker.
    const eurostat = (name: string) => workload(name).object.spec;
    expect(args('eurostat-catalog')).toEqual(['catalog']);
    expect(eurostat('eurostat-catalog').schedule).toMatch(/^\d+ \d+ \* \* [0-6]$/);
    expect(args('eurostat-watch')).toEqual(['watch']);
    expect(eurostat('eurostat-watch')).toMatchObject({
      schedule: '30 11,23 * * *',
      timeZone: 'Europe/Luxembourg',
    });
    for (const name of EUROSTAT_SOURCE.CronJob) expect(eurostat(name).suspend, name).toBe(false);
    expect(args('eurostat-sync-worker')).toEqual(['worker']);
    expect(eurostat('eurostat-sync-worker').replicas).toBe(1);
    expect(eurostat('eurostat-sync-worker').strategy.type).toBe('Recreate');
    if (backfill) {
      // A one-off, created suspended, reading a managed export in GCS.
      const job = workload('firestore-backfill').object.spec;
      expect(job.suspend).toBe(true);
      const backfillArgs = args('firestore-backfill');
      expect(backfillArgs[0]).toBe('backfill');
      expect(backfillArgs[backfillArgs.indexOf('--export') + 1]).toMatch(/^gs:\/\/[a-z0-9._-]+\//);
    }
    // Every image is a workspace service's (or dbt's), and every workspace service is deployed
    // (db-sync where the warehouse is DuckDB, see DB_SOURCE).
    const services = new Set(all.flatMap((w) => containersOf(w).map((c) => serviceOf(c.image))));
    const deployed = workspaceServices()
      .map((s) => s.name)
      .filter((name) => dbSource || name !== 'db-sync');
    expect(services).toEqual(new Set([...deployed, 'dbt']));
  });

  it('gives every Node container an environment and arguments its service accepts', async () => {
    for (const workload of all) {
      for (const container of containersOf(workload)) {
        const service = serviceOf(container.image);
        if (service === 'dbt') continue;
        const { config } = await loadContainerConfig(workload, objects, container);
        const { env } = resolveEnv(container, objects);
        const problem = await checkServiceArgs(service, container.args ?? [], {
          ...NODE_IMAGE_ENV,
          ...env,
          DATABASE_URL: 'postgres://user:secret@db.invalid:5432/lakestream',
        });
        const what = `${workload.kind}/${workload.name} ${container.name}`;
        expect(problem, `${what} args ${container.args}`).toBeUndefined();
        expect(config, what).toBeDefined();
        if (service === 'db-sync') {
          // db-sync also needs a source: DB_HOST, or MYSQL_URL (which the devstack exports).
          expect(config.dbHost ?? config.mysqlUrl, `${what}: the source server`).toBeDefined();
        }
        // The image's ENTRYPOINT is the start script: manifests pass arguments only.
        expect(container.command, what).toBeUndefined();
      }
    }
  });

  it('probes /healthz and /readyz on the port the service serves them on, and lets Prometheus scrape it', async () => {
    for (const workload of all.filter((w) => w.kind === 'Deployment')) {
      const container = containerOf(workload);
      const { service, config } = await loadContainerConfig(workload, objects);
      const port = (service === 'dashboard' ? config.port : config.metricsPort) as number;
      const portOf = (ref: string | number) =>
        typeof ref === 'number'
          ? ref
          : container.ports.find((p: { name: string }) => p.name === ref)?.containerPort;
      expect(container.livenessProbe?.httpGet?.path, workload.name).toBe('/healthz');
      expect(portOf(container.livenessProbe.httpGet.port), workload.name).toBe(port);
      expect(container.readinessProbe?.httpGet?.path, workload.name).toBe('/readyz');
      expect(portOf(container.readinessProbe.httpGet.port), workload.name).toBe(port);
      expect(container.startupProbe?.httpGet?.path, workload.name).toBe('/healthz');
      const annotations = workload.podMetadata.annotations ?? {};
      expect(annotations['prometheus.io/scrape'], workload.name).toBe('true');
      expect(annotations['prometheus.io/port'], workload.name).toBe(String(port));
      expect(annotations['prometheus.io/path'], workload.name).toBe('/metrics');
      expect(workload.podMetadata.labels['app.kubernetes.io/part-of']).toBe('lakestream');
    }
  });

  it("waits longer than each service's drain limit before killing it", async () => {
    for (const workload of all) {
      for (const container of containersOf(workload)) {
        if (serviceOf(container.image) === 'dbt') continue;
        const { config } = await loadContainerConfig(workload, objects, container);
        const grace = workload.podSpec.terminationGracePeriodSeconds as number;
        expect(
          grace,
          `${workload.kind}/${workload.name} sets terminationGracePeriodSeconds`,
        ).toBeDefined();
        expect(
          grace * 1000,
          `${workload.name} ${container.name}: ${grace}s vs SHUTDOWN_GRACE ${config.shutdownGraceMs}ms`,
        ).toBeGreaterThan((config.shutdownGraceMs as number) + 5_000);
      }
    }
  });

  it('sets resources, and covers every Deployment with a PodDisruptionBudget', () => {
    for (const workload of all) {
      for (const { name, resources } of containersOf(workload)) {
        for (const kind of ['requests', 'limits']) {
          expect(resources?.[kind]?.cpu, `${workload.name} ${name} ${kind}.cpu`).toBeDefined();
          expect(
            resources?.[kind]?.memory,
            `${workload.name} ${name} ${kind}.memory`,
          ).toBeDefined();
        }
      }
    }
    const budgets = objects.filter((o) => o.kind === 'PodDisruptionBudget');
    for (const workload of all.filter((w) => w.kind === 'Deployment')) {
      const labels = workload.podMetadata.labels as Record<string, string>;
      const covering = budgets.filter((b) =>
        Object.entries(b.spec.selector.matchLabels as Record<string, string>).every(
          ([k, v]) => labels[k] === v,
        ),
      );
      expect(
        covering.map((b) => b.metadata.name),
        workload.name,
      ).toEqual([workload.name]);
      const budget = covering[0]!.spec;
      expect(budget.maxUnavailable ?? budget.minAvailable, workload.name).toBeDefined();
    }
  });

  it('runs every pod unprivileged, read-only and without a Kubernetes API token', () => {
    for (const workload of all) {
      const pod = workload.podSpec;
      expect(pod.securityContext?.runAsNonRoot, workload.name).toBe(true);
      expect(pod.securityContext?.runAsUser, workload.name).toBeGreaterThan(0);
      expect(pod.securityContext?.seccompProfile?.type, workload.name).toBe('RuntimeDefault');
      expect(pod.serviceAccountName, workload.name).toBe('lakestream');
      expect(pod.automountServiceAccountToken, workload.name).toBe(false);
      for (const container of containersOf(workload)) {
        expect(container.securityContext, `${workload.name} ${container.name}`).toMatchObject({
          allowPrivilegeEscalation: false,
          readOnlyRootFilesystem: true,
          capabilities: { drop: ['ALL'] },
        });
      }
    }
  });

  it('keeps credentials out of Git: no key material, secrets only by reference', async () => {
    for (const object of objects) {
      const text = JSON.stringify(object);
      expect(text, `${object.kind}/${object.metadata.name}`).not.toMatch(
        /PRIVATE KEY|"private_key"/,
      );
    }
    for (const workload of all) {
      for (const container of containersOf(workload)) {
        const service = serviceOf(container.image);
        const secretFields =
          service === 'dbt'
            ? []
            : Object.values((await serviceConfigDefinition(service, container.args)).fields)
                .filter((spec) => spec.secret)
                .map((spec) => spec.env);
        const { env } = resolveEnv(container, objects);
        for (const [name, value] of Object.entries(env)) {
          // A password (a field its service declares secret, or one inside a connection URL)
          // may only arrive through a Secret, never a ConfigMap or a literal.
          if (
            !secretFields.includes(name) &&
            !/(postgres(ql)?|mysql|mariadb):\/\/[^:/]+:[^@]+@/.test(value)
          ) {
            continue;
          }
          const entry = container.env?.find((e: { name: string }) => e.name === name);
          expect(
            entry?.valueFrom?.secretKeyRef,
            `${workload.name} ${container.name}: ${name}`,
          ).toBeDefined();
        }
      }
    }
    const serviceAccount = objects.find((o) => o.kind === 'ServiceAccount')!;
    if (target === 'overlays/dev') return;
    // Production: no Secret in the manifests at all, GCP access through Workload Identity.
    expect(objects.filter((o) => o.kind === 'Secret')).toEqual([]);
    expect(serviceAccount.metadata.annotations?.['iam.gke.io/gcp-service-account']).toMatch(
      /^[a-z0-9-]+@[a-z0-9-]+\.iam\.gserviceaccount\.com$/,
    );
    for (const workload of all) {
      const container = containerOf(workload);
      const { env } = resolveEnv(container, objects);
      const keyFile = env.GOOGLE_APPLICATION_CREDENTIALS;
      if (target !== 'examples/prod-with-gcp-key') {
        expect(keyFile, `${workload.name}: Workload Identity, no key file`).toBeUndefined();
        continue;
      }
      // The mounted-key example: read-only from the Secret, and the clients are told where.
      const mount = container.volumeMounts.find((m: { name: string }) => m.name === 'gcp-key');
      expect(mount?.readOnly, workload.name).toBe(true);
      expect(keyFile?.startsWith(`${mount.mountPath}/`), workload.name).toBe(true);
      const volume = workload.podSpec.volumes.find((v: { name: string }) => v.name === 'gcp-key');
      expect(volume?.secret?.secretName, workload.name).toBe('lakestream-gcp-key');
    }
  });

  it('wires the database source: table topics, groups, client ids, the password and the sync state', async () => {
    if (warehouseTargetOf(objects) !== 'duckdb') return; // not deployed here (DB_SOURCE)
    const workload = (name: string) => all.find((w) => w.name === name)!;
    const configOf = async (name: string) =>
      (await loadContainerConfig(workload(name), objects)).config;
    const sync = await configOf('db-sync');
    const sink = await configOf('bronze-sink-db');
    const loader = await configOf('warehouse-loader-db');
    expectDbSourceWired(sync, sink, loader);
    // The sink's init container creates the same topics.
    const init = workload('bronze-sink-db').podSpec.initContainers[0];
    const topicsConfig = (await loadContainerConfig(workload('bronze-sink-db'), objects, init))
      .config;
    expect(topicsConfig).toMatchObject({ dbList: sync.dbList, tableList: sync.tableList });
    // The password comes from a Secret (generated in dev, created outside Git elsewhere).
    const password = containerOf(workload('db-sync')).env.find(
      (e: { name: string }) => e.name === 'DB_PASS',
    );
    expect(password?.valueFrom?.secretKeyRef?.key).toBe('DB_PASS');
    // The sync state ($LAKESTREAM_HOME/sync_state) outlives the pod: the deepest mount holding it
    // is a persistent volume claim, not an emptyDir.
    const stateDir = `${sync.lakestreamHome}/sync_state`;
    const mounts = containerOf(workload('db-sync')).volumeMounts as Array<{
      name: string;
      mountPath: string;
    }>;
    const holding = mounts
      .filter((m) => stateDir === m.mountPath || stateDir.startsWith(`${m.mountPath}/`))
      .sort((a, b) => b.mountPath.length - a.mountPath.length)[0];
    const volume = workload('db-sync').podSpec.volumes.find(
      (v: { name: string }) => v.name === holding?.name,
    );
    expect(volume?.persistentVolumeClaim?.claimName, stateDir).toBeDefined();
    expect(
      objects.some(
        (o) =>
          o.kind === 'PersistentVolumeClaim' &&
          o.metadata.name === volume.persistentVolumeClaim.claimName,
      ),
    ).toBe(true);
  });

  it('gives each Deployment a Kafka client id of its own', async () => {
    const clientIds = new Map<string, string>();
    for (const deployment of all.filter((w) => w.kind === 'Deployment')) {
      const id = (await loadContainerConfig(deployment, objects)).config.kafkaClientId as
        | string
        | undefined;
      if (id === undefined) continue;
      expect(clientIds.get(id), `${deployment.name} and ${clientIds.get(id)}: ${id}`).toBe(
        undefined,
      );
      clientIds.set(id, deployment.name);
    }
  });

  it('wires the document sources: the profile, the reports topic, groups and Firestore credentials', async () => {
    const workload = (name: string) => all.find((w) => w.name === name)!;
    const configOf = async (name: string) =>
      (await loadContainerConfig(workload(name), objects)).config;
    const exported = await configOf('firestore-export');
    const sink = await configOf('bronze-sink-documents');
    const loader = await configOf('warehouse-loader-documents');
    expectDocumentSourcesWired(exported, sink, loader);
    // Its SIGTERM drain (a collection under way is finished and applied) fits the Job's deadline.
    const job = workload('firestore-export').object.spec.jobTemplate.spec;
    expect(job.activeDeadlineSeconds * 1000).toBeGreaterThan(
      (exported.waitTimeoutMs as number) + (exported.shutdownGraceMs as number),
    );
    if (target === 'examples/firestore-backfill') {
      const backfill = await configOf('firestore-backfill');
      expect(backfill.reportsTopic).toBe(loader.qualityReportsTopic);
      expect(backfill.bronzeGroup).toBe(sink.groupId);
      expect(backfill.loaderGroup).toBe(loader.documentsGroupId);
      expect(backfill.manifestTopic).toBe(loader.bronzeFilesTopic);
    }
    // Dev reads the emulator Service; elsewhere the pod's Google credentials reach Firestore.
    expect(exported.firestoreEmulatorHost).toBe(
      target === 'overlays/dev' ? 'firestore:8080' : undefined,
    );
  });

  it('wires the Eurostat source: the updates topic, one run per pod, one database, the drain inside the deadline', async () => {
    const workload = (name: string) => all.find((w) => w.name === name)!;
    const configOf = async (name: string) =>
      (await loadContainerConfig(workload(name), objects)).config;
    const catalog = await configOf('eurostat-catalog');
    const watch = await configOf('eurostat-watch');
    const worker = await configOf('eurostat-sync-worker');
    expectEurostatSourceWired(catalog, watch, worker);
    // Every process reads the same database, from the Secret (created outside Git in prod).
    for (const name of [...EUROSTAT_SOURCE.CronJob, ...EUROSTAT_SOURCE.Deployment]) {
      const url = containerOf(workload(name)).env.find(
        (e: { name: string }) => e.name === 'DATABASE_URL',
      );
      // (a generated Secret's name carries its content hash)
      expect(url?.valueFrom?.secretKeyRef?.key, name).toBe('DATABASE_URL');
      expect(url?.valueFrom?.secretKeyRef?.name, name).toMatch(
        /^lakestream-database(-[a-z0-9]+)?$/,
      );
      if (workload(name).kind !== 'CronJob') continue;
      // A run's SIGTERM drain fits inside the Job's deadline, after its worst-case download.
      const job = workload(name).object.spec.jobTemplate.spec;
      const config = name === 'eurostat-catalog' ? catalog : watch;
      expect(job.activeDeadlineSeconds * 1000, name).toBeGreaterThan(
        (config.httpTimeoutMs as number) * (config.maxAttempts as number) +
          (config.shutdownGraceMs as number),
      );
    }
  });

  it('points every stage at the same lake and warehouse', async () => {
    const lakes = new Set<string>();
    const warehouses = new Set<unknown>();
    const targets = new Set<string>();
    for (const workload of all) {
      const container = containerOf(workload);
      const { env } = resolveEnv(container, objects);
      if (serviceOf(container.image) === 'dbt') {
        warehouses.add(
          env.LAKESTREAM_DBT_TARGET === 'duckdb' ? env.LAKESTREAM_WAREHOUSE : 'bigquery',
        );
        continue;
      }
      const { service, config } = await loadContainerConfig(workload, objects);
      if ('storageUrl' in config) lakes.add(String(config.storageUrl));
      // db-sync records the warehouse its tables go to (status): the loader's.
      if (service === 'db-sync') targets.add(String(config.warehouseTarget));
      if (service === 'warehouse-loader') targets.add(String(config.target));
      if (service === 'warehouse-loader') {
        warehouses.add(config.target === 'duckdb' ? config.duckdbPath : 'bigquery');
      }
      if (service === 'dashboard') {
        warehouses.add(config.warehouse === 'duckdb' ? config.duckdbPath : 'bigquery');
      }
    }
    expect(lakes.size, [...lakes].join(', ')).toBe(1);
    expect(warehouses.size, [...warehouses].join(', ')).toBe(1);
    expect([...targets]).toEqual([warehouseTargetOf(objects)]);
    if (target === 'overlays/dev') {
      // One volume holds the lake and the DuckDB file for every pod.
      for (const workload of all) {
        const claims = workload.podSpec.volumes
          .map(
            (v: { persistentVolumeClaim?: { claimName: string } }) =>
              v.persistentVolumeClaim?.claimName,
          )
          .filter(Boolean);
        expect(claims, workload.name).toContain('lakestream-state');
      }
    }
  });
});

describe('deploy/prometheus/kubernetes-scrape.yml', () => {
  it('keeps the pods the manifests annotate, by the annotations and labels they carry', async () => {
    const config = parse(
      readFileSync(join(DEPLOY_DIR, 'prometheus', 'kubernetes-scrape.yml'), 'utf8'),
    ) as {
      scrape_configs: Array<{
        job_name: string;
        relabel_configs: Array<{ source_labels?: string[]; action?: string; regex?: string }>;
      }>;
    };
    const job = config.scrape_configs.find((c) => c.job_name === 'lakestream')!;
    const sources = job.relabel_configs.flatMap((r) => r.source_labels ?? []);
    expect(sources).toContain('__meta_kubernetes_pod_annotation_prometheus_io_scrape');
    expect(sources).toContain('__meta_kubernetes_pod_annotation_prometheus_io_port');
    expect(sources).toContain('__meta_kubernetes_pod_annotation_prometheus_io_path');
    const partOf = job.relabel_configs.find((r) =>
      r.source_labels?.includes('__meta_kubernetes_pod_label_app_kubernetes_io_part_of'),
    );
    expect(partOf).toMatchObject({ action: 'keep', regex: 'lakestream' });
  });
});
