import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { VERSIONS } from '@lakestream/devstack';
import { Ajv } from 'ajv';
import { beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import {
  boundFiles,
  COMPOSE_PROFILES,
  type ComposeProject,
  type ComposeService,
  durationSeconds,
  loadComposeProject,
  readComposeYaml,
} from '../src/compose.js';
import { envOf, parseDockerfile } from '../src/dockerfile.js';
import { COMPOSE_FILE, DEPLOY_DIR, DOCKER_DIR, ROOT_DIR } from '../src/paths.js';
import { composeGoVersion, composeSpecSchema } from '../src/tools.js';
import { checkServiceArgs, loadServiceConfig, workspaceServices } from '../src/workspace.js';
import {
  expectDbSourceWired,
  expectDocumentSourcesWired,
  expectEurostatSourceWired,
} from './wiring.js';

/** The environment docker/Dockerfile's runtime stage sets (a container starts with it). */
const IMAGE_ENV = Object.fromEntries(
  envOf(parseDockerfile(join(DOCKER_DIR, 'Dockerfile')).stages.at(-1)!),
);

/**
 * The MariaDB major.minor the devstack runs (Debian 12's mariadb-server-core). packages/devstack
 * pins no MariaDB version in VERSIONS: it uses the distribution's package, like PostgreSQL.
 */
const DEVSTACK_MARIADB = '10.11';

/**
 * The Firestore emulator image the devstack's container path runs (IMAGES.firestore in
 * packages/devstack/src/containers.ts, not exported by the package).
 */
const DEVSTACK_FIRESTORE_IMAGE = /firestore: '([^']+)'/.exec(
  readFileSync(join(ROOT_DIR, 'packages', 'devstack', 'src', 'containers.ts'), 'utf8'),
)?.[1];

/** Eurostat's dissemination API, eurostat-source's default (EUROSTAT_API_BASE in its src/config.ts). */
const EUROSTAT_API_BASE = /export const EUROSTAT_API_BASE = '([^']+)'/.exec(
  readFileSync(join(ROOT_DIR, 'services', 'eurostat-source', 'src', 'config.ts'), 'utf8'),
)?.[1];

/** The services each compose profile adds, and the Prometheus job that scrapes them. */
const PROFILES = {
  'db-source': {
    services: ['bronze-sink-db', 'db-sync', 'db-sync-topics', 'mariadb', 'warehouse-loader-db'],
    job: 'lakestream-db-source',
  },
  'document-sources': {
    services: [
      'bronze-sink-documents',
      'firestore',
      'firestore-export',
      'warehouse-loader-documents',
    ],
    job: 'lakestream-document-sources',
  },
  statistics: {
    services: ['eurostat-catalog', 'eurostat-sync-worker', 'eurostat-watch'],
    job: 'lakestream-statistics',
  },
} as const;

/** Every service, those of the profiles included: what the checks below look at. */
let project: ComposeProject;
/** What a plain `docker compose up` starts. */
let defaultProject: ComposeProject;

beforeAll(async () => {
  project = await loadComposeProject({}, COMPOSE_FILE, COMPOSE_PROFILES);
  defaultProject = await loadComposeProject();
});

/** The compose services built from docker/Dockerfile, with their SERVICE build argument. */
function nodeServices(): Array<{ name: string; service: string; spec: ComposeService }> {
  return Object.entries(project.services).flatMap(([name, spec]) =>
    spec.build?.dockerfile === 'docker/Dockerfile'
      ? [{ name, service: String(spec.build.args?.SERVICE), spec }]
      : [],
  );
}

/** A Lakestream service's configuration, loaded as it loads it at start in its container. */
function serviceConfig(spec: ComposeService): Promise<Record<string, unknown>> {
  return loadServiceConfig(
    String(spec.build!.args!.SERVICE),
    spec.command ?? [],
    containerEnv(spec),
    boundFiles(spec),
  );
}

/** A container's environment: the image's ENV, then the compose `environment`. */
function containerEnv(spec: ComposeService): Record<string, string> {
  const env: Record<string, string> = { ...IMAGE_ENV };
  for (const [key, value] of Object.entries(spec.environment ?? {})) {
    if (value !== null) env[key] = value;
  }
  return env;
}

describe('docker-compose.yml', () => {
  it(`validates against the compose-spec JSON schema shipped by compose-go ${composeGoVersion()}`, async () => {
    const schema = JSON.parse(readFileSync(await composeSpecSchema(), 'utf8')) as {
      $schema?: string;
    };
    // compose-spec.json names draft 7 without the trailing '#' Ajv registers it under.
    expect(schema.$schema).toMatch(/json-schema\.org\/draft-07\/schema#?$/);
    schema.$schema = 'http://json-schema.org/draft-07/schema#';
    const ajv = new Ajv({ allErrors: true, strict: false });
    const validate = ajv.compile(schema);
    const ok = validate(readComposeYaml());
    expect(ajv.errorsText(validate.errors, { separator: '\n' })).toBe('No errors');
    expect(ok).toBe(true);

    // The same validator rejects a broken file: it is really checking.
    const broken = structuredClone(readComposeYaml()) as {
      services: Record<string, Record<string, unknown>>;
    };
    broken.services['bronze-sink']!.depends_on = { kafka: { condition: 'when_ready' } };
    broken.services['bronze-sink']!.restrt = 'always';
    expect(validate(broken)).toBe(false);
  });

  it('loads with the compose-spec reference loader: interpolation, normalization, consistency', async () => {
    expect(project.name).toBe('lakestream');
    // A bind mount instead of the named volume when METABASE_WAREHOUSE_DIR names a folder.
    const withHostWarehouse = await loadComposeProject({
      METABASE_WAREHOUSE_DIR: '/srv/lakestream',
    });
    const mount = withHostWarehouse.services['metabase-snapshot']!.volumes![0]!;
    expect(mount).toMatchObject({ type: 'bind', source: '/srv/lakestream', read_only: true });
    // The loader rejects what docker compose rejects, e.g. depending on a missing service.
    const text = readFileSync(join(ROOT_DIR, 'docker-compose.yml'), 'utf8').replace(
      /(\n {2}dashboard:\n(?:.*\n)*? {4}depends_on:\n)/,
      '$1      no-such-service:\n        condition: service_started\n',
    );
    const dir = mkdtempSync(join(tmpdir(), 'compose-'));
    try {
      writeFileSync(join(dir, 'docker-compose.yml'), text);
      await expect(loadComposeProject({}, join(dir, 'docker-compose.yml'))).rejects.toThrow(
        /no-such-service/,
      );
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('starts the database and document sources only with their profiles, and leaves `docker compose up` as it was', () => {
    const profiled = Object.entries(project.services)
      .filter(([, spec]) => (spec.profiles ?? []).length > 0)
      .map(([name]) => name)
      .sort();
    expect(profiled).toEqual(
      Object.values(PROFILES)
        .flatMap((p) => p.services)
        .sort(),
    );
    for (const [profile, { services }] of Object.entries(PROFILES)) {
      for (const name of services) {
        expect(project.services[name]!.profiles, name).toEqual([profile]);
      }
    }
    expect(Object.keys(defaultProject.services).sort()).toEqual(
      Object.keys(project.services)
        .filter((name) => !profiled.includes(name))
        .sort(),
    );
    // Nothing outside the profile waits for what only the profile starts.
    for (const [name, spec] of Object.entries(defaultProject.services)) {
      for (const dependency of Object.keys(spec.depends_on ?? {})) {
        expect(profiled, `${name} → ${dependency}`).not.toContain(dependency);
      }
    }
  });

  it("runs the local stack on the devstack's pinned images, and pins every image", () => {
    expect(project.services.kafka!.image).toBe(`apache/kafka:${VERSIONS.kafka}`);
    expect(project.services.gcs!.image).toBe(
      `fsouza/fake-gcs-server:${VERSIONS.fakeGcsServer.replace(/^v/, '')}`,
    );
    expect(project.services.bigquery!.image).toBe(
      `ghcr.io/goccy/bigquery-emulator:${VERSIONS.bigqueryEmulator.replace(/^v/, '')}`,
    );
    expect(project.services.mariadb!.image).toBe(`mariadb:${DEVSTACK_MARIADB}`);
    expect(DEVSTACK_FIRESTORE_IMAGE).toBeDefined();
    expect(project.services.firestore!.image).toBe(DEVSTACK_FIRESTORE_IMAGE);
    for (const [name, spec] of Object.entries(project.services)) {
      if (spec.build) {
        expect(spec.image, `${name}: built images get a local tag`).toMatch(
          /^lakestream\/[a-z-]+:dev$/,
        );
        continue;
      }
      const tag = /:([^/:]+)$/.exec(spec.image ?? '')?.[1];
      expect(tag, `${name} pins its image`).toBeDefined();
      expect(tag).not.toMatch(/latest/);
      // A release, optionally one of its published variants (google-cloud-cli's `-emulators`).
      expect(tag, `${name}: ${spec.image}`).toMatch(/^v?\d+(\.\d+)*(-emulators)?$/);
    }
  });

  it('builds every workspace service from docker/Dockerfile, and nothing that is not one', () => {
    const names = workspaceServices().map((s) => s.name);
    const built = nodeServices();
    expect(new Set(built.map((b) => b.service))).toEqual(new Set(names));
    for (const { name, spec } of built) {
      expect(spec.build!.context, name).toBe(ROOT_DIR);
      // The image's ENTRYPOINT is the package.json start script: not overridden.
      expect(spec.entrypoint ?? null, name).toBeNull();
    }
    for (const [name, spec] of Object.entries(project.services)) {
      if (!spec.build) continue;
      expect(
        existsSync(join(spec.build.context, spec.build.dockerfile ?? 'Dockerfile')),
        name,
      ).toBe(true);
    }
  });

  it('gives each Lakestream service an environment its own config schema accepts (no unknown, missing or malformed variable)', async () => {
    for (const { name, service, spec } of nodeServices()) {
      const config = await serviceConfig(spec).catch((err: Error) => {
        throw new Error(`${name} (${service}): ${err.message}`, { cause: err });
      });
      if (service === 'db-sync') {
        // db-sync also needs a source: DB_HOST, or MYSQL_URL (which the devstack exports).
        expect(config.dbHost ?? config.mysqlUrl, `${name}: the source server`).toBeDefined();
      }
    }
  });

  it("passes each container's arguments through its service's own command-line parser", async () => {
    for (const { name, service, spec } of nodeServices()) {
      const problem = await checkServiceArgs(service, spec.command ?? [], containerEnv(spec));
      expect(problem, `${name}: ${JSON.stringify(spec.command)}`).toBeUndefined();
    }
    expect(project.services.transformer!.command).toEqual(['worker']);
    expect(project.services['warehouse-loader']!.command).toEqual(['worker']);
    expect(project.services['warehouse-loader-db']!.command).toEqual(['db-worker']);
    expect(project.services['db-sync']!.command).toEqual(['run', '--every', '15m']);
    expect(project.services['db-sync-topics']!.command).toEqual(['topics']);
    expect(project.services['warehouse-loader-documents']!.command).toEqual(['documents-worker']);
    expect(project.services['firestore-export']!.command).toEqual([
      'export',
      '--profile',
      'dev',
      '--config',
      '/etc/lakestream/firestore-export/firestore-export.json',
      '--every',
      '24h',
    ]);
    expect(project.services['eurostat-catalog']!.command).toEqual(['catalog', '--every', '7d']);
    expect(project.services['eurostat-watch']!.command).toEqual(['watch', '--every', '12h']);
    expect(project.services['eurostat-sync-worker']!.command).toEqual(['worker']);
  });

  it('comes up in order: health checks, and depends_on conditions that wait for them', () => {
    const services = project.services;
    const oneShot = (name: string) => services[name]!.restart === 'no';
    for (const [name, spec] of Object.entries(services)) {
      for (const [dependency, { condition }] of Object.entries(spec.depends_on ?? {})) {
        const target = services[dependency]!;
        if (oneShot(dependency)) {
          expect(condition, `${name} → ${dependency} (a job)`).toBe(
            'service_completed_successfully',
          );
        } else if (target.healthcheck?.test && !target.healthcheck.disable) {
          expect(condition, `${name} → ${dependency}`).toBe('service_healthy');
        } else {
          expect(condition, `${name} → ${dependency} (no health check)`).toBe('service_started');
        }
      }
    }
    // Every long-running Lakestream service reports health, and waits for Kafka to be healthy.
    for (const { name, spec } of nodeServices()) {
      if (!oneShot(name)) expect(spec.healthcheck?.test, `${name} health check`).toBeDefined();
      expect(spec.depends_on?.kafka?.condition, `${name} waits for Kafka`).toBe('service_healthy');
    }
    // The graph has no cycle (a topological order exists).
    const order: string[] = [];
    const visiting = new Set<string>();
    const visit = (name: string, path: string[]) => {
      if (order.includes(name)) return;
      expect(visiting.has(name), `cycle: ${[...path, name].join(' → ')}`).toBe(false);
      visiting.add(name);
      for (const dependency of Object.keys(services[name]!.depends_on ?? {})) {
        visit(dependency, [...path, name]);
      }
      visiting.delete(name);
      order.push(name);
    };
    for (const name of Object.keys(services)) visit(name, []);
    expect(order.indexOf('kafka')).toBeLessThan(order.indexOf('producer'));
    expect(order.indexOf('transformer')).toBeLessThan(order.indexOf('warehouse-loader'));
    expect(order.indexOf('warehouse-loader')).toBeLessThan(order.indexOf('dbt'));
    // The table topics exist before their sink subscribes; the sync waits for its confirmer.
    expect(order.indexOf('db-sync-topics')).toBeLessThan(order.indexOf('bronze-sink-db'));
    expect(order.indexOf('bronze-sink-db')).toBeLessThan(order.indexOf('warehouse-loader-db'));
    expect(order.indexOf('warehouse-loader-db')).toBeLessThan(order.indexOf('db-sync'));
    expect(order.indexOf('mariadb')).toBeLessThan(order.indexOf('db-sync'));
    // The export waits on the documents worker's group: it runs once that worker is up.
    expect(order.indexOf('bronze-sink-documents')).toBeLessThan(
      order.indexOf('warehouse-loader-documents'),
    );
    expect(order.indexOf('warehouse-loader-documents')).toBeLessThan(
      order.indexOf('firestore-export'),
    );
    expect(order.indexOf('firestore')).toBeLessThan(order.indexOf('firestore-export'));
    // The watch publishes once the worker's group exists, and reads the watchlist the catalogue fills.
    expect(order.indexOf('eurostat-sync-worker')).toBeLessThan(order.indexOf('eurostat-watch'));
    expect(order.indexOf('eurostat-catalog')).toBeLessThan(order.indexOf('eurostat-watch'));
  });

  it('gives each service longer to stop than its SHUTDOWN_GRACE drain limit', async () => {
    for (const { name, spec } of nodeServices()) {
      const config = (await serviceConfig(spec)) as { shutdownGraceMs: number };
      const stop = durationSeconds(spec.stop_grace_period ?? '10s');
      expect(
        stop * 1000,
        `${name}: stop_grace_period ${stop}s vs drain ${config.shutdownGraceMs}ms`,
      ).toBeGreaterThan(config.shutdownGraceMs);
    }
  });

  it('has Prometheus scrape every long-running service on the port it serves /metrics on', async () => {
    const prometheus = parse(
      readFileSync(join(DEPLOY_DIR, 'prometheus', 'prometheus.yml'), 'utf8'),
    ) as {
      scrape_configs: Array<{ job_name: string; static_configs: Array<{ targets: string[] }> }>;
    };
    const targets = (job: string) =>
      new Set(
        prometheus.scrape_configs
          .filter((c) => c.job_name === job)
          .flatMap((c) => c.static_configs.flatMap((s) => s.targets)),
      );
    const expected = new Map<string, Set<string>>([['lakestream', new Set()]]);
    for (const { job } of Object.values(PROFILES)) expected.set(job, new Set());
    for (const { name, service, spec } of nodeServices()) {
      if (spec.restart === 'no' && name !== 'producer') continue;
      const config = (await serviceConfig(spec)) as { metricsPort?: number; port?: number };
      const port = service === 'dashboard' ? config.port : config.metricsPort;
      const profile = spec.profiles?.[0] as keyof typeof PROFILES | undefined;
      if (name === 'producer') {
        expect(targets('lakestream-producer')).toEqual(new Set([`producer:${port}`]));
      } else {
        // A profile's services are down by design without it: a job of their own, which
        // LakestreamServiceDown does not watch.
        expected
          .get(profile === undefined ? 'lakestream' : PROFILES[profile].job)!
          .add(`${name}:${port}`);
      }
    }
    for (const [job, jobTargets] of expected) expect(targets(job), job).toEqual(jobTargets);
    const dbtPort = project.services.dbt!.environment!.DBT_METRICS_PORT;
    expect(targets('dbt')).toEqual(new Set([`dbt:${dbtPort}`]));
    // Prometheus and the rule checker are the same release (v3.x ↔ Go module v0.3xx).
    const goMod = readFileSync(join(DEPLOY_DIR, 'tools', 'promcheck', 'go.mod'), 'utf8');
    const module = /github\.com\/prometheus\/prometheus v0\.(\d+)\.(\d+)/.exec(goMod)!;
    const major = Math.floor(Number(module[1]) / 100);
    const minor = Number(module[1]) % 100;
    expect(project.services.prometheus!.image).toBe(
      `prom/prometheus:v${major}.${minor}.${module[2]}`,
    );
  });

  it('shares one warehouse file between the loader, dbt and the dashboard, and one lake between the stages', () => {
    const env = (name: string) => project.services[name]!.environment ?? {};
    const warehouse = env('warehouse-loader').WAREHOUSE_DUCKDB_PATH!;
    expect(env('dbt').LAKESTREAM_WAREHOUSE).toBe(warehouse);
    expect(env('dashboard').DASHBOARD_DUCKDB_PATH).toBe(warehouse);
    expect(env('warehouse-loader-db').WAREHOUSE_DUCKDB_PATH).toBe(warehouse);
    expect(env('warehouse-loader-documents').WAREHOUSE_DUCKDB_PATH).toBe(warehouse);
    for (const name of [
      'warehouse-loader',
      'warehouse-loader-db',
      'warehouse-loader-documents',
      'dbt',
      'dashboard',
    ]) {
      const mount = project.services[name]!.volumes?.find((v) => v.target === dirname(warehouse));
      expect(mount, `${name} mounts ${dirname(warehouse)}`).toMatchObject({
        type: 'volume',
        source: 'warehouse',
      });
    }
    const lake = env('bronze-sink').BRONZE_SINK_STORAGE_URL!;
    expect(env('transformer').TRANSFORMER_STORAGE_URL).toBe(lake);
    expect(env('warehouse-loader').WAREHOUSE_LOADER_STORAGE_URL).toBe(lake);
    expect(env('warehouse-loader-bigquery').WAREHOUSE_LOADER_STORAGE_URL).toBe(lake);
    expect(env('bronze-sink-db').BRONZE_SINK_STORAGE_URL).toBe(lake);
    expect(env('warehouse-loader-db').WAREHOUSE_LOADER_STORAGE_URL).toBe(lake);
    expect(env('bronze-sink-documents').BRONZE_SINK_STORAGE_URL).toBe(lake);
    expect(env('warehouse-loader-documents').WAREHOUSE_LOADER_STORAGE_URL).toBe(lake);
    expect(env('firestore-export').FIRESTORE_EXPORT_STORAGE_URL).toBe(lake);
    expect(env('eurostat-sync-worker').EUROSTAT_STORAGE_URL).toBe(lake);
    expect(env('dashboard').DASHBOARD_STORAGE_URL).toBe(lake);
    const bucket = /^gs:\/\/([^/]+)/.exec(lake)![1]!;
    expect(project.services['gcs-init']!.command!.join(' ')).toContain(`"name":"${bucket}"`);
  });

  it('wires the database source: table topics, groups, the source and the sync state', async () => {
    const config = (name: string) => serviceConfig(project.services[name]!);
    const sync = await config('db-sync');
    const sink = await config('bronze-sink-db');
    const loader = await config('warehouse-loader-db');
    expectDbSourceWired(sync, sink, loader);
    expect(await config('db-sync-topics')).toMatchObject({
      dbList: sync.dbList,
      tableList: sync.tableList,
    });
    expect(loader.target).toBe(sync.warehouseTarget);
    // Each long-running Kafka client has its own id.
    const clientIds = new Map<string, string>();
    for (const { name, spec } of nodeServices()) {
      if (spec.restart === 'no') continue;
      const id = (await config(name)).kafkaClientId as string | undefined;
      if (id === undefined) continue;
      expect(clientIds.get(id), `${name} and ${clientIds.get(id)} share ${id}`).toBeUndefined();
      clientIds.set(id, name);
    }
    // The sync reads the compose MariaDB as the user its image creates, on a database it seeds.
    const mariadb = project.services.mariadb!.environment!;
    expect(sync).toMatchObject({ dbHost: 'mariadb', dbPort: 3306, dbUser: mariadb.MARIADB_USER });
    expect(sync.dbPass).toBe(mariadb.MARIADB_PASSWORD);
    expect(sync.dbList).toContain(mariadb.MARIADB_DATABASE);
    const seed = readFileSync(join(DOCKER_DIR, 'mariadb', 'init', '01-shop.sql'), 'utf8');
    for (const table of sync.tableList as string[]) {
      expect(seed, `docker/mariadb/init creates ${table}`).toMatch(
        new RegExp(`CREATE TABLE ${table} \\(`),
      );
    }
    // The state outlives the container: LAKESTREAM_HOME (sync_state/ inside) is a named volume.
    const home = project.services['db-sync']!.volumes!.find(
      (v) => v.target === sync.lakestreamHome,
    );
    expect(home, `db-sync mounts ${sync.lakestreamHome}`).toMatchObject({ type: 'volume' });
  });

  it('wires the document sources: the export profile, the reports topic, groups and the emulator', async () => {
    const config = (name: string) => serviceConfig(project.services[name]!);
    const exported = await config('firestore-export');
    const sink = await config('bronze-sink-documents');
    const loader = await config('warehouse-loader-documents');
    expectDocumentSourcesWired(exported, sink, loader);
    expect(loader.target).toBe('duckdb');
    // It reads the compose emulator, on the port the emulator is started with.
    const emulator = project.services.firestore!;
    const port = /--host-port=0\.0\.0\.0:(\d+)/.exec(emulator.command!.join(' '))![1];
    expect(exported.firestoreEmulatorHost).toBe(`firestore:${port}`);
    expect(emulator.healthcheck!.test!.join(' ')).toContain(`127.0.0.1:${port}/`);
  });

  it("wires the Eurostat source: the updates topic, the worker's group, Eurostat's API and the compose PostgreSQL", async () => {
    const config = (name: string) => serviceConfig(project.services[name]!);
    const catalog = await config('eurostat-catalog');
    const watch = await config('eurostat-watch');
    const worker = await config('eurostat-sync-worker');
    expectEurostatSourceWired(catalog, watch, worker);
    // Eurostat itself unless EUROSTAT_API_BASE names the fixture server.
    expect(EUROSTAT_API_BASE).toMatch(/^https:\/\/ec\.europa\.eu\//);
    expect(catalog.apiBase).toBe(EUROSTAT_API_BASE);
    const local = await loadComposeProject(
      { EUROSTAT_API_BASE: 'http://host.docker.internal:8790/eurostat/api/dissemination' },
      COMPOSE_FILE,
      ['statistics'],
    );
    for (const name of PROFILES.statistics.services) {
      expect(local.services[name]!.environment!.EUROSTAT_API_BASE, name).toBe(
        'http://host.docker.internal:8790/eurostat/api/dissemination',
      );
    }
    // The state is in the compose PostgreSQL, as its image creates the user and database.
    const postgres = project.services.postgres!.environment!;
    const url = new URL(String(catalog.databaseUrl));
    expect(url.hostname).toBe('postgres');
    expect(decodeURIComponent(url.username)).toBe(postgres.POSTGRES_USER);
    expect(decodeURIComponent(url.password)).toBe(postgres.POSTGRES_PASSWORD);
    expect(url.pathname).toBe(`/${postgres.POSTGRES_DB}`);
    for (const name of PROFILES.statistics.services) {
      expect(project.services[name]!.depends_on?.postgres?.condition, name).toBe('service_healthy');
    }
  });

  it('mounts only files of the repository that exist, and publishes ports on 127.0.0.1 only', () => {
    for (const [name, spec] of Object.entries(project.services)) {
      for (const volume of spec.volumes ?? []) {
        if (volume.type !== 'bind') {
          expect(project.volumes ?? {}, `${name}: volume ${volume.source}`).toHaveProperty(
            volume.source!,
          );
          continue;
        }
        // The sample CSV folder is the user's (./commands.sh gen-data writes it).
        if (volume.source!.startsWith(join(ROOT_DIR, '.lakestream'))) continue;
        expect(existsSync(volume.source!), `${name}: ${volume.source}`).toBe(true);
      }
      for (const port of spec.ports ?? []) {
        expect(port.host_ip, `${name} publishes ${port.target}`).toBe('127.0.0.1');
      }
    }
  });

  it('provisions Grafana with the dashboards and data source of deploy/grafana', () => {
    const grafana = project.services.grafana!;
    const sources = (grafana.volumes ?? []).map((v) => v.source);
    expect(sources).toContain(join(DEPLOY_DIR, 'grafana', 'dashboards'));
    expect(sources).toContain(join(DEPLOY_DIR, 'grafana', 'provisioning', 'datasources'));
    expect(sources).toContain(join(DEPLOY_DIR, 'grafana', 'provisioning', 'dashboards'));
    const home = grafana.environment!.GF_DASHBOARDS_DEFAULT_HOME_DASHBOARD_PATH!;
    expect(existsSync(join(DEPLOY_DIR, 'grafana', 'dashboards', home.split('/').at(-1)!))).toBe(
      true,
    );
  });
});
