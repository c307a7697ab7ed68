/**
 * The document sources into BigQuery. A Firestore snapshot is one load job from the object's
 * gs:// URI (NEWLINE_DELIMITED_JSON, the manifest's columns as the explicit schema,
 * WRITE_TRUNCATE: atomic in BigQuery) with a deterministic id from (project, collection, run),
 * so a re-announced run finds its job; the table's description records the run and read time,
 * so an older read time never replaces a newer one. Quality reports are reduced and staged as
 * for DuckDB, loaded into a staging table, and merged with the same rule
 * (quality-stream-sql.ts).
 */
import { createHash } from 'node:crypto';
import { gunzipSync } from 'node:zlib';
import type { BigQuery } from '@google-cloud/bigquery';
import { type BronzeFileManifest, QUALITY_STREAM_TABLE } from '@lakestream/lake';
import type { ObjectStore } from '@lakestream/object-store';
import { classifyBigqueryError, isAlreadyExists, isNotFound } from './bigquery-errors.js';
import { createBigquerySession } from './bigquery-session.js';
import { bqIdent, bqTable, bqTimestamp } from './db-bigquery-sql.js';
import type { DocumentsWriter, SnapshotOutcome } from './documents-writer.js';
import { LoaderError } from './errors.js';
import { readQualityObject, stagedReportsJsonl } from './quality-stream-read.js';
import { qualityMergeSql, qualityStreamBigqueryFields } from './quality-stream-sql.js';

/** Options of `createDocumentsBigqueryWriter`. */
export interface DocumentsBigqueryOptions {
  /** The gs:// lake: the objects are loaded from it, staging files written to it. */
  store: ObjectStore;
  projectId?: string;
  location?: string;
  emulatorHost?: string;
  client?: BigQuery;
}

const hash = (...parts: string[]) =>
  createHash('sha256').update(parts.join('\n')).digest('hex').slice(0, 32);

/** The snapshot load's job id: deterministic in (project, collection, run) and the target. */
export function snapshotJobId(manifest: BronzeFileManifest): string {
  const s = manifest.source;
  const id = hash(s.project, s.collection, s.run_id, s.target_schema, s.target_table);
  return `lakestream_firestore_${s.target_table.replace(/[^A-Za-z0-9_]/g, '_').slice(0, 100)}_${id}`;
}

/** The BigQuery writer of the document sources. */
export function createDocumentsBigqueryWriter(options: DocumentsBigqueryOptions): DocumentsWriter {
  const session = createBigquerySession(options, 'the document objects');
  const { bq, location, emulator, jobs, call } = session;
  let project = options.projectId ?? '';

  async function description(datasetId: string, table: string): Promise<string | undefined> {
    try {
      const [metadata] = await bq.dataset(datasetId).table(table).getMetadata();
      return metadata.description as string | undefined;
    } catch (err) {
      if (isNotFound(err)) return undefined;
      throw classifyBigqueryError(err, `reading ${datasetId}.${table}`, emulator);
    }
  }

  return {
    kind: 'bigquery',
    get description() {
      return `bigquery ${project || '(default project)'}`;
    },

    async replaceSnapshot(manifest): Promise<SnapshotOutcome> {
      if (!project) project = await call('finding the project', () => bq.getProjectId());
      const s = manifest.source;
      const table = `${s.target_schema}.${s.target_table}`;
      const what = `run ${s.run_id} of ${s.project}/${s.collection} into ${table}`;
      if (!manifest.uri.startsWith('gs://')) {
        throw new LoaderError(
          'LS_LOADER_CONFIG_INVALID',
          `${what}: BigQuery loads from gs:// only; the object is ${manifest.uri}`,
        );
      }
      await session.ensureDataset(s.target_schema);
      const loaded = parseLoaded(await description(s.target_schema, s.target_table));
      if (loaded?.run_id === s.run_id) return { kind: 'recorded', table };
      if (loaded && Date.parse(loaded.read_time) > Date.parse(s.read_time)) {
        return { kind: 'superseded', table, loadedReadTime: loaded.read_time };
      }
      const jobId = snapshotJobId(manifest);
      // The emulator cannot read a gzip object: it loads an uncompressed copy (README).
      const copyKey = emulator ? `documents-staging/firestore/${jobId}.jsonl` : undefined;
      if (copyKey)
        await options.store.put(copyKey, gunzipSync(await options.store.get(manifest.key)));
      const ran = await jobs.run(
        jobId,
        {
          load: {
            sourceUris: [copyKey ? options.store.uri(copyKey) : manifest.uri],
            sourceFormat: 'NEWLINE_DELIMITED_JSON',
            writeDisposition: 'WRITE_TRUNCATE',
            createDisposition: 'CREATE_IF_NEEDED',
            destinationTable: {
              projectId: project,
              datasetId: s.target_schema,
              tableId: s.target_table,
            },
            schema: { fields: s.columns.map((c) => ({ name: c.name, type: c.type })) },
          },
        },
        `${what}: loading`,
      );
      await call(`${what}: recording the run`, () =>
        bq
          .dataset(s.target_schema)
          .table(s.target_table)
          .setMetadata({
            description: JSON.stringify({ run_id: s.run_id, read_time: s.read_time }),
          }),
      );
      if (copyKey) await options.store.delete(copyKey).catch(() => {});
      return ran === 'found'
        ? { kind: 'recorded', table }
        : { kind: 'replaced', table, rows: manifest.record_count };
    },

    async mergeQualityReports(manifest) {
      if (!project) project = await call('finding the project', () => bq.getProjectId());
      const { staged, outcome } = await readQualityObject(options.store, manifest);
      if (staged.length === 0) return outcome;
      const { schema: datasetId, table } = QUALITY_STREAM_TABLE;
      const what = `quality reports of ${manifest.key}`;
      await session.ensureDataset(datasetId);
      const dataset = bq.dataset(datasetId, location);
      await dataset
        .createTable(table, { schema: { fields: qualityStreamBigqueryFields(true) } })
        .catch((err: unknown) => {
          if (!isAlreadyExists(err))
            throw classifyBigqueryError(err, `${what}: creating ${table}`, emulator);
        });
      const id = hash(manifest.uri, manifest.key, String(manifest.record_count));
      const mergeId = `lakestream_quality_merge_${id}`;
      if ((await jobs.succeeded(mergeId)).done) return outcome;
      const stagingName = `_ls_quality_stage_${id}`;
      const stagingKey = `documents-staging/quality/${id}.jsonl`;
      await options.store.put(stagingKey, Buffer.from(stagedReportsJsonl(staged)));
      await jobs.run(
        `lakestream_quality_load_${id}`,
        {
          load: {
            sourceUris: [options.store.uri(stagingKey)],
            sourceFormat: 'NEWLINE_DELIMITED_JSON',
            writeDisposition: 'WRITE_TRUNCATE',
            createDisposition: 'CREATE_IF_NEEDED',
            destinationTable: { projectId: project, datasetId, tableId: stagingName },
            schema: { fields: qualityStreamBigqueryFields(false) },
          },
        },
        `${what}: staging`,
        { fresh: true },
      );
      const at = new Date().toISOString();
      const target = bqTable(project, datasetId, table);
      const sql = qualityMergeSql(
        { ident: bqIdent, timestamp: bqTimestamp },
        target,
        bqTable(project, datasetId, stagingName),
        at,
      );
      await jobs.run(mergeId, { query: { query: sql, useLegacySql: false } }, `${what}: merging`);
      const [rows] = await call(`${what}: counting`, () =>
        bq.query({
          query: `SELECT COUNT(*) AS n FROM ${target} WHERE load_ts = ${bqTimestamp(at)}`,
          ...location,
        }),
      );
      await session.dropTable(datasetId, stagingName);
      await options.store.delete(stagingKey).catch(() => {});
      return { ...outcome, changed: Number((rows[0] as { n?: number } | undefined)?.n ?? 0) };
    },
  };
}

function parseLoaded(text: string | undefined): { run_id: string; read_time: string } | undefined {
  if (!text) return undefined;
  try {
    const value = JSON.parse(text) as { run_id?: unknown; read_time?: unknown };
    return typeof value.run_id === 'string' && typeof value.read_time === 'string'
      ? { run_id: value.run_id, read_time: value.read_time }
      : undefined;
  } catch {
    return undefined;
  }
}
