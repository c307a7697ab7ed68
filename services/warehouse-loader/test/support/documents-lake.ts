/**
 * Stands for the bronze sink and the Firestore exporter in the documents tests: writes bronze
 * objects of quality report records in the bronze sink's line format (gzip JSON lines of the
 * record envelope) with their records manifests, and Firestore collection export objects with
 * their file manifests – the lake package's contract, nothing imported from another service.
 */
import { gzipSync } from 'node:zlib';
import {
  type BronzeFileManifest,
  bronzeObjectKey,
  type FileColumn,
  firestoreExportKey,
  firestoreWarehouseSchema,
  type QualityReport,
  type WrittenBronzeManifest,
} from '@lakestream/lake';
import type { ObjectStore } from '@lakestream/object-store';

/** Writes one bronze object of `values` (quality reports or anything else) at `first…` of a partition. */
export async function writeRecordsObject(
  store: ObjectStore,
  topic: string,
  partition: number,
  first: number,
  values: unknown[],
): Promise<WrittenBronzeManifest> {
  const at = new Date();
  const lines = values.map(
    (value, i) =>
      `${JSON.stringify({
        topic,
        partition,
        offset: first + i,
        timestamp: at.toISOString(),
        key: (value as Partial<QualityReport>)?.insert_id ?? null,
        headers: {},
        value_encoding: 'json',
        value,
      })}\n`,
  );
  const text = Buffer.from(lines.join(''));
  const last = first + values.length - 1;
  const key = bronzeObjectKey(topic, partition, first, at.getTime());
  const body = gzipSync(text);
  await store.put(key, body);
  return {
    version: 1,
    uri: store.uri(key),
    key,
    topic,
    partition,
    start_offset: first,
    first_offset: first,
    last_offset: last,
    next_offset: last + 1,
    record_count: values.length,
    bytes: body.length,
    uncompressed_bytes: text.length,
    min_record_time: at.toISOString(),
    max_record_time: at.toISOString(),
    written_at: at.toISOString(),
    writer: 'test',
    format: 'jsonl.gz',
  };
}

/** A quality report with defaults; `marker` (overall_score) tells which record a row came from. */
export function report(
  insertId: string,
  source: QualityReport['source'],
  createdAt: string,
  marker: number,
): QualityReport {
  return {
    version: 1,
    insert_id: insertId,
    team_id: 't1',
    report_id: 'r1',
    report_ts: '2024-01-01T00:00:00.000000Z',
    overall_score: marker,
    coverage: 0.5,
    gaps: null,
    overlaps: 1,
    avg_dur: 2.25,
    created_at: createdAt,
    source,
  };
}

/** Writes one Firestore collection export object (rows as the exporter writes them) and its manifest. */
export async function writeSnapshotObject(
  store: ObjectStore,
  spec: {
    project: string;
    collection: string;
    runId: string;
    readTime: string;
    columns: FileColumn[];
    rows: Record<string, unknown>[];
  },
): Promise<BronzeFileManifest> {
  const key = firestoreExportKey(
    spec.project,
    spec.collection,
    new Date(spec.readTime),
    spec.runId,
  );
  const text = Buffer.from(spec.rows.map((r) => `${JSON.stringify(r)}\n`).join(''));
  const body = gzipSync(text);
  await store.put(key, body);
  return {
    version: 1,
    kind: 'file',
    uri: store.uri(key),
    key,
    record_count: spec.rows.length,
    bytes: body.length,
    uncompressed_bytes: text.length,
    written_at: new Date().toISOString(),
    writer: 'firestore-source@test',
    format: 'jsonl.gz',
    source: {
      dataset: 'firestore',
      project: spec.project,
      collection: spec.collection,
      run_id: spec.runId,
      read_time: spec.readTime,
      target_schema: firestoreWarehouseSchema(spec.project),
      target_table: spec.collection,
      columns: spec.columns,
    },
  };
}

/** The metadata columns every export row starts with. */
export const META_COLUMNS: FileColumn[] = [
  { name: '_ls_path', type: 'STRING' },
  { name: '_ls_export_run', type: 'STRING' },
  { name: '_ls_read_time', type: 'TIMESTAMP' },
];
