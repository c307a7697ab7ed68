import { join } from 'node:path';
import type { StackEnv } from './private-stack.js';

/** The services the suite runs and supervises. */
export const SERVICES = ['bronze-sink', 'audit-sink', 'transformer', 'warehouse-loader'] as const;
export type ServiceKey = (typeof SERVICES)[number];

/** Everything one pipeline run (the clean one or the faulted one) owns on the shared private stack. */
export interface PipelineLayout {
  name: string;
  /** LAKESTREAM_HOME of the run's processes: logs, work folders, the warehouse, dbt's artefacts. */
  home: string;
  topics: { orderItems: string; dlq: string; bronzeFiles: string; silverBatches: string };
  groups: Record<ServiceKey, string>;
  auditSchema: string;
  /** The lake, `gs://<bucket>/<run>`. */
  storageUrl: string;
  warehousePath: string;
}

/** Session timeouts of the consumers: the floor the services accept, so a dead member is noticed fast. */
export const SESSION_TIMEOUT = '6s';

/** The layout of the run `name` under `root`, with its lake in `bucket`. */
export function pipelineLayout(root: string, name: string, bucket: string): PipelineLayout {
  const home = join(root, name);
  return {
    name,
    home,
    topics: {
      orderItems: `chaos.${name}.order_items`,
      dlq: `chaos.${name}.order_items_dlq`,
      bronzeFiles: `chaos.${name}.bronze_files`,
      silverBatches: `chaos.${name}.silver_batches`,
    },
    groups: {
      'bronze-sink': `chaos-${name}-bronze-sink`,
      'audit-sink': `chaos-${name}-audit-sink`,
      transformer: `chaos-${name}-transformer`,
      'warehouse-loader': `chaos-${name}-warehouse-loader`,
    },
    auditSchema: `chaos_${name}`,
    storageUrl: `gs://${bucket}/${name}`,
    warehousePath: join(home, 'warehouse.duckdb'),
  };
}

/** Each consumer group and the topic it consumes, to measure what it has made durable. */
export function consumedTopics(layout: PipelineLayout): { group: string; topic: string }[] {
  return [
    { group: layout.groups['bronze-sink'], topic: layout.topics.orderItems },
    { group: layout.groups['audit-sink'], topic: layout.topics.orderItems },
    { group: layout.groups.transformer, topic: layout.topics.bronzeFiles },
    { group: layout.groups['warehouse-loader'], topic: layout.topics.silverBatches },
  ];
}

/**
 * A service's environment: the stack's client variables (the object store through `storeHost`,
 * which may be the flaky proxy) and its configuration, as the services read it (config.ts of each).
 */
export function serviceEnv(
  layout: PipelineLayout,
  stack: StackEnv,
  storeHost: string,
  service: ServiceKey | 'producer',
  instance = 1,
): NodeJS.ProcessEnv {
  const base: NodeJS.ProcessEnv = {
    ...ownEnvironment(process.env),
    ...stack,
    STORAGE_EMULATOR_HOST: storeHost,
    LAKESTREAM_HOME: layout.home,
    LOG_LEVEL: 'info',
    // Several instances side by side: each takes a free port for its health server.
    METRICS_PORT: '0',
  };
  const { topics, groups } = layout;
  switch (service) {
    case 'producer':
      return { ...base, PRODUCER_TOPIC: topics.orderItems, PRODUCER_DLQ_TOPIC: topics.dlq };
    case 'bronze-sink':
      return {
        ...base,
        BRONZE_SINK_TOPICS: topics.orderItems,
        BRONZE_SINK_GROUP_ID: groups['bronze-sink'],
        BRONZE_SINK_MANIFEST_TOPIC: topics.bronzeFiles,
        BRONZE_SINK_STORAGE_URL: layout.storageUrl,
        BRONZE_SINK_INSTANCE_ID: `${layout.name}-bronze-${instance}`,
        // Small objects, landed often: many commits, so many dangerous moments to hit.
        BRONZE_SINK_MAX_RECORDS: '400',
        BRONZE_SINK_IDLE_FLUSH: '1s',
        BRONZE_SINK_MAX_BUFFER_AGE: '3s',
        BRONZE_SINK_SESSION_TIMEOUT: SESSION_TIMEOUT,
        BRONZE_SINK_HEARTBEAT_INTERVAL: '1s',
      };
    case 'audit-sink':
      return {
        ...base,
        AUDIT_SINK_TOPIC: topics.orderItems,
        AUDIT_SINK_DLQ_TOPIC: topics.dlq,
        AUDIT_SINK_GROUP_ID: groups['audit-sink'],
        AUDIT_SINK_SCHEMA: layout.auditSchema,
        AUDIT_SINK_MAX_BATCH_ROWS: '400',
        AUDIT_SINK_SESSION_TIMEOUT: SESSION_TIMEOUT,
        AUDIT_SINK_PG_APPLICATION_NAME: `lakestream-chaos-${layout.name}`,
      };
    case 'transformer':
      return {
        ...base,
        TRANSFORMER_STORAGE_URL: layout.storageUrl,
        TRANSFORMER_SOURCE_TOPIC: topics.orderItems,
        TRANSFORMER_MANIFEST_TOPIC: topics.bronzeFiles,
        TRANSFORMER_ANNOUNCE_TOPIC: topics.silverBatches,
        TRANSFORMER_BRONZE_GROUP_ID: groups['bronze-sink'],
        TRANSFORMER_GROUP_ID: groups.transformer,
        TRANSFORMER_DEBOUNCE: '1s',
        TRANSFORMER_MAX_WAIT: '5s',
        TRANSFORMER_DUCKDB_THREADS: '1',
        TRANSFORMER_WORK_DIR: join(layout.home, 'work', 'transformer'),
      };
    case 'warehouse-loader':
      return {
        ...base,
        WAREHOUSE_TARGET: 'duckdb',
        WAREHOUSE_DUCKDB_PATH: layout.warehousePath,
        WAREHOUSE_LOADER_STORAGE_URL: layout.storageUrl,
        WAREHOUSE_LOADER_TOPIC: topics.silverBatches,
        WAREHOUSE_LOADER_GROUP_ID: groups['warehouse-loader'],
        WAREHOUSE_LOADER_SESSION_TIMEOUT: SESSION_TIMEOUT,
        WAREHOUSE_LOADER_TEMP_DIR: join(layout.home, 'work', 'warehouse-loader'),
      };
  }
}

/** Prefixes of variables that configure a Lakestream service or point at a stack. */
const CONFIG_PREFIXES = [
  'LAKESTREAM_',
  'BRONZE_SINK_',
  'AUDIT_SINK_',
  'TRANSFORMER_',
  'WAREHOUSE_',
  'PRODUCER_',
  'BIGQUERY_',
  'DASHBOARD_',
  'METRICS_',
  'KAFKA_',
  'DATABASE_URL',
  'STORAGE_EMULATOR_HOST',
];

/**
 * The caller's environment without any Lakestream configuration: what the user set for their own
 * pipeline (LAKESTREAM_LAKE's storage URLs, a group id…) must not leak into the suite's runs.
 */
export function ownEnvironment(env: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  return Object.fromEntries(
    Object.entries(env).filter(([name]) => !CONFIG_PREFIXES.some((p) => name.startsWith(p))),
  );
}
