// The document sources' pipeline as real processes, as commands.sh runs it: the bronze sink on
// the quality-report topic (its own group), the loader's documents worker, and firestore-source
// commands. Topics, groups and LAKESTREAM_HOME are the test's own; Kafka and the Firestore
// emulator are the global set-up's.
import { mkdir, mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createKafka, ensureTopics } from '@lakestream/kafka';
import { createLogger } from '@lakestream/observability';
import type { Kafka } from 'kafkajs';
import { openReadOnly } from '../db-sync/compare.js';
import { runService } from '../db-sync/pipeline.js';

/** The test's own names for every shared topic and group. */
export interface DocumentNames {
  id: string;
  files: string;
  reports: string;
  quarantine: string;
  bronzeGroup: string;
  loaderGroup: string;
}

/** `prefix` tells one test file's topics and groups from another's. */
export function documentNames(prefix: string, id: string): DocumentNames {
  return {
    id,
    files: `test.${prefix}.${id}.files`,
    reports: `test.${prefix}.${id}.reports`,
    quarantine: `test.${prefix}.${id}.quarantine`,
    bronzeGroup: `test-${prefix}-${id}-bronze`,
    loaderGroup: `test-${prefix}-${id}-loader`,
  };
}

/** A fresh LAKESTREAM_HOME with its logs folder. */
export async function documentsHome(prefix: string): Promise<string> {
  const home = await mkdtemp(join(tmpdir(), `lakestream-${prefix}-`));
  await mkdir(join(home, 'logs'), { recursive: true });
  return home;
}

/** Environment of every process of the pipeline: the stack's variables, the test's names. */
export function documentsEnv(home: string, names: DocumentNames): NodeJS.ProcessEnv {
  return {
    ...process.env,
    LAKESTREAM_HOME: home,
    LOG_LEVEL: 'info',
    BRONZE_SINK_TOPICS: names.reports,
    BRONZE_SINK_MANIFEST_TOPIC: names.files,
    BRONZE_SINK_GROUP_ID: names.bronzeGroup,
    BRONZE_SINK_INSTANCE_ID: `docs-${names.id}`,
    BRONZE_SINK_IDLE_FLUSH: '300ms',
    WAREHOUSE_TARGET: 'duckdb',
    WAREHOUSE_LOADER_BRONZE_FILES_TOPIC: names.files,
    WAREHOUSE_LOADER_QUALITY_REPORTS_TOPIC: names.reports,
    WAREHOUSE_LOADER_DOCUMENTS_GROUP_ID: names.loaderGroup,
    FIRESTORE_EXPORT_MANIFEST_TOPIC: names.files,
    FIRESTORE_EXPORT_LOADER_GROUP: names.loaderGroup,
    QUALITY_REPORTS_TOPIC: names.reports,
    QUALITY_QUARANTINE_TOPIC: names.quarantine,
    QUALITY_MANIFEST_TOPIC: names.files,
    QUALITY_BRONZE_GROUP: names.bronzeGroup,
    QUALITY_LOADER_GROUP: names.loaderGroup,
    METADATA_SERVER_DETECTION: 'none',
  };
}

/** A Kafka client on the stack's broker. */
export function testKafka(clientId: string): Kafka {
  return createKafka({
    brokers: (process.env.KAFKA_BROKERS ?? '127.0.0.1:9092').split(','),
    clientId,
    logger: createLogger({ service: clientId, level: 'warn' }),
  });
}

/** The test's topics, made before the sink subscribes (the broker creates none on demand). */
export async function ensureDocumentTopics(kafka: Kafka, names: DocumentNames): Promise<void> {
  await ensureTopics(kafka, [
    { topic: names.files, numPartitions: 3, configEntries: {} },
    { topic: names.reports, numPartitions: 3, configEntries: {} },
    { topic: names.quarantine, numPartitions: 1, configEntries: {} },
  ]);
}

/** One `firestore-source` invocation to completion, its logs in `<home>/logs/firestore.log`. */
export function firestoreSource(
  args: string[],
  env: NodeJS.ProcessEnv,
  home: string,
): ReturnType<typeof runService> {
  return runService('firestore-source', args, env, home, 'firestore');
}

/** Rows of a query on `<home>/warehouse.duckdb`, read-only, waiting while the loader holds the file. */
export async function queryWarehouse(
  home: string,
  sql: string,
): Promise<Record<string, unknown>[]> {
  const instance = await openReadOnly(join(home, 'warehouse.duckdb'));
  const conn = await instance.connect();
  try {
    return (await conn.runAndReadAll(sql)).getRowObjectsJson() as Record<string, unknown>[];
  } finally {
    conn.closeSync();
    instance.closeSync();
  }
}
