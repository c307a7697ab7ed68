import { request } from 'node:http';
import { SERVER_SETTINGS } from './services/mariadb.js';
import type { ServiceInstance, ServiceName } from './services/service.js';

/**
 * The container path, for machines with a Docker engine: the same images and versions as
 * docker-compose.yml, started with testcontainers. Kept thin on purpose; the process path is
 * the one this project's CI exercises (no engine runs there).
 */
export const IMAGES: Record<ServiceName, string> = {
  kafka: 'apache/kafka:4.1.1',
  postgres: 'postgres:15',
  mariadb: 'mariadb:10.11',
  gcs: 'fsouza/fake-gcs-server:1.56.1',
  bigquery: 'ghcr.io/goccy/bigquery-emulator:0.8.1',
  // The same SDK release (528.0.0, emulator 1.19.9) as the machine image's Debian package.
  firestore: 'gcr.io/google.com/cloudsdktool/google-cloud-cli:528.0.0-emulators',
};

/** True when LAKESTREAM_DEVSTACK=containers, or unset and a Docker engine answers on its socket. */
export async function useContainers(env: NodeJS.ProcessEnv = process.env): Promise<boolean> {
  if (env.LAKESTREAM_DEVSTACK === 'processes') return false;
  if (env.LAKESTREAM_DEVSTACK === 'containers') return true;
  return new Promise((resolve) => {
    const req = request(
      { socketPath: '/var/run/docker.sock', path: '/_ping', timeout: 500 },
      (res) => {
        res.resume();
        resolve(res.statusCode === 200);
      },
    );
    req.on('error', () => resolve(false));
    req.on('timeout', () => {
      req.destroy();
      resolve(false);
    });
    req.end();
  });
}

/** A started container and what clients need to reach it; `stop()` removes it. */
export interface ContainerService {
  instance: ServiceInstance;
  stop(): Promise<void>;
}

/** Starts one service as a container, published on 127.0.0.1. */
export async function startContainer(
  name: ServiceName,
  running: Partial<Record<ServiceName, ServiceInstance>>,
): Promise<ContainerService> {
  const { GenericContainer, Wait } = await import('testcontainers');
  const startedAt = new Date().toISOString();
  switch (name) {
    case 'kafka': {
      // The advertised listener must name the host port, which is only known once published:
      // a fixed host port keeps it simple (the container path is for one stack per machine).
      const c = await new GenericContainer(IMAGES.kafka)
        .withExposedPorts({ container: 9092, host: 9092 })
        .withEnvironment({
          KAFKA_NODE_ID: '1',
          KAFKA_PROCESS_ROLES: 'broker,controller',
          KAFKA_CONTROLLER_QUORUM_VOTERS: '1@localhost:9093',
          KAFKA_LISTENERS: 'PLAINTEXT://0.0.0.0:9092,CONTROLLER://0.0.0.0:9093',
          KAFKA_ADVERTISED_LISTENERS: 'PLAINTEXT://127.0.0.1:9092',
          KAFKA_CONTROLLER_LISTENER_NAMES: 'CONTROLLER',
          KAFKA_LISTENER_SECURITY_PROTOCOL_MAP: 'PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT',
          KAFKA_OFFSETS_TOPIC_REPLICATION_FACTOR: '1',
          KAFKA_TRANSACTION_STATE_LOG_REPLICATION_FACTOR: '1',
          KAFKA_TRANSACTION_STATE_LOG_MIN_ISR: '1',
          KAFKA_GROUP_INITIAL_REBALANCE_DELAY_MS: '0',
          KAFKA_AUTO_CREATE_TOPICS_ENABLE: 'false',
        })
        .withWaitStrategy(Wait.forLogMessage(/Kafka Server started/))
        .start();
      const env = { KAFKA_BROKERS: '127.0.0.1:9092' };
      return {
        instance: { ports: { broker: 9092 }, env, startedAt, version: IMAGES.kafka },
        stop: () => c.stop().then(() => {}),
      };
    }
    case 'postgres': {
      const c = await new GenericContainer(IMAGES.postgres)
        .withExposedPorts(5432)
        .withEnvironment({
          POSTGRES_USER: 'lakestream',
          POSTGRES_PASSWORD: 'lakestream',
          POSTGRES_DB: 'lakestream',
        })
        .withWaitStrategy(Wait.forLogMessage(/database system is ready to accept connections/, 2))
        .start();
      const port = c.getMappedPort(5432);
      const env = { DATABASE_URL: `postgres://lakestream:lakestream@127.0.0.1:${port}/lakestream` };
      return {
        instance: { ports: { postgres: port }, env, startedAt, version: IMAGES.postgres },
        stop: () => c.stop().then(() => {}),
      };
    }
    case 'mariadb': {
      // The image's user may use one database only; ours creates its own, as the process path's.
      const c = await new GenericContainer(IMAGES.mariadb)
        .withExposedPorts(3306)
        .withEnvironment({
          MARIADB_ROOT_PASSWORD: 'lakestream',
          MARIADB_USER: 'lakestream',
          MARIADB_PASSWORD: 'lakestream',
        })
        .withCopyContentToContainer([
          {
            content: "GRANT ALL PRIVILEGES ON *.* TO 'lakestream'@'%' WITH GRANT OPTION;\n",
            target: '/docker-entrypoint-initdb.d/lakestream.sql',
          },
        ])
        .withCommand(SERVER_SETTINGS.filter((s) => !s.startsWith('--bind-address')))
        // The entrypoint's set-up server says it once, the real server a second time.
        .withWaitStrategy(Wait.forLogMessage(/ready for connections/, 2))
        .start();
      const port = c.getMappedPort(3306);
      const env = { MYSQL_URL: `mysql://lakestream:lakestream@127.0.0.1:${port}` };
      return {
        instance: { ports: { mariadb: port }, env, startedAt, version: IMAGES.mariadb },
        stop: () => c.stop().then(() => {}),
      };
    }
    case 'gcs': {
      const c = await new GenericContainer(IMAGES.gcs)
        .withExposedPorts(4443)
        .withCommand(['-scheme', 'http', '-port', '4443', '-backend', 'memory'])
        .withWaitStrategy(Wait.forHttp('/storage/v1/b', 4443))
        .start();
      const port = c.getMappedPort(4443);
      const env = {
        STORAGE_EMULATOR_HOST: `http://127.0.0.1:${port}`,
        METADATA_SERVER_DETECTION: 'none',
      };
      return {
        instance: { ports: { gcs: port }, env, startedAt, version: IMAGES.gcs },
        stop: () => c.stop().then(() => {}),
      };
    }
    case 'bigquery': {
      const gcs = running.gcs?.ports.gcs;
      const c = await new GenericContainer(IMAGES.bigquery)
        .withExposedPorts(9050)
        .withCommand(['--project=lakestream-local', '--port=9050'])
        .withEnvironment(gcs ? { STORAGE_EMULATOR_HOST: `http://host.docker.internal:${gcs}` } : {})
        .withExtraHosts([{ host: 'host.docker.internal', ipAddress: 'host-gateway' }])
        .withWaitStrategy(Wait.forHttp('/bigquery/v2/projects/lakestream-local/datasets', 9050))
        .start();
      const port = c.getMappedPort(9050);
      const env = {
        BIGQUERY_EMULATOR_HOST: `http://127.0.0.1:${port}`,
        BIGQUERY_PROJECT: 'lakestream-local',
        METADATA_SERVER_DETECTION: 'none',
      };
      return {
        instance: { ports: { http: port }, env, startedAt, version: IMAGES.bigquery },
        stop: () => c.stop().then(() => {}),
      };
    }
    case 'firestore': {
      const c = await new GenericContainer(IMAGES.firestore)
        .withExposedPorts(8080)
        .withCommand(['gcloud', 'emulators', 'firestore', 'start', '--host-port=0.0.0.0:8080'])
        .withWaitStrategy(Wait.forLogMessage(/Dev App Server is now running/))
        .start();
      const port = c.getMappedPort(8080);
      const env = { FIRESTORE_EMULATOR_HOST: `127.0.0.1:${port}` };
      return {
        instance: { ports: { firestore: port }, env, startedAt, version: IMAGES.firestore },
        stop: () => c.stop().then(() => {}),
      };
    }
  }
}
