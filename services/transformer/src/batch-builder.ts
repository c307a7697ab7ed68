import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import type { Logger } from '@lakestream/observability';
import type { QualityCheck } from '@lakestream/silver';
import {
  quoteIdent,
  SILVER_TABLE_NAMES,
  SILVER_TABLES,
  type SilverTableName,
} from '@lakestream/silver';
import type { DuckdbSession } from './duckdb-session.js';
import { TransformerError } from './errors.js';
import { type BatchCounts, CHECK_NAMES, runQualityGate } from './quality-gate.js';
import {
  copyTableSql,
  createTableSql,
  createTypedSql,
  createWinnersSql,
  EVENT_FIELDS,
  insertTypedSql,
  type ReadMode,
  sqlString,
} from './star-schema-sql.js';

/** A bronze object to read, already on the local disk. */
export interface LocalInput {
  key: string;
  /** Local path of the `.jsonl.gz` file. */
  path: string;
  partition: number;
  firstOffset: number;
  /** Records at or after this offset are ignored. */
  endOffset: number;
  /** What the manifest says the object holds, when known. */
  recordCount?: number;
}

/** A Parquet file written by the builder. */
export interface BuiltFile {
  table: SilverTableName;
  /** Path relative to the output folder (`<table>/…`). */
  relativePath: string;
  rows: number;
  orderMonth?: string;
}

/** Per object: what was read of it. */
export interface ObjectRead {
  records: number;
  firstOffset: number | undefined;
  lastOffset: number | undefined;
}

/** What a built batch holds. */
export interface BuiltBatch {
  counts: BatchCounts;
  checks: QualityCheck[];
  files: BuiltFile[];
  rows: Record<SilverTableName, number>;
  /** Quarantine lines (JSON text, no newline), records first in (partition, offset) order. */
  quarantine: string[];
  /** Per object key: what was read. */
  objects: Map<string, ObjectRead>;
  /** Which read path succeeded for the batch as a whole. */
  readMode: ReadMode | 'per-object';
}

/** Options of `buildBatch`. */
export interface BuildOptions {
  session: DuckdbSession;
  inputs: readonly LocalInput[];
  batchId: string;
  /** Local folder the Parquet files go to. */
  outDir: string;
  logger: Logger;
  /** Test seam: runs after the tables are built, before the gate (to inject a fault). */
  afterBuild?: (session: DuckdbSession) => Promise<void>;
}

/** The first line of an engine error, without DuckDB's hints. */
function reasonOf(err: unknown): string {
  const message = err instanceof Error ? err.message : String(err);
  return message.split('\n')[0]!.slice(0, 500);
}

/**
 * Reads the inputs into `typed`. The fast path parses every file at once straight into the event
 * struct; if any value does not fit, the lenient JSON path reads them all again (bad records are
 * then quarantined one by one); if a file cannot be read at all (bad gzip, a line that is not
 * JSON), each file is read on its own and the unreadable ones are set aside whole.
 */
async function readInputs(
  session: DuckdbSession,
  inputs: readonly LocalInput[],
  logger: Logger,
): Promise<{ mode: BuiltBatch['readMode']; unreadable: Map<string, string> }> {
  await session.run(createTypedSql());
  const unreadable = new Map<string, string>();
  if (inputs.length === 0) return { mode: 'struct', unreadable };
  const paths = inputs.map((input) => input.path);
  // Records at or after an object's end offset are not data (listing: the committed offset).
  // Objects of a partition follow each other, so the partition's highest end bounds them all.
  const ends = new Map<number, number>();
  for (const input of inputs)
    ends.set(input.partition, Math.max(ends.get(input.partition) ?? 0, input.endOffset));
  const insert = (files: readonly string[], mode: ReadMode) =>
    session.run(insertTypedSql(files, mode, ends));
  try {
    await insert(paths, 'struct');
    return { mode: 'struct', unreadable };
  } catch (err) {
    logger.info(
      { reason: reasonOf(err) },
      'a value does not fit the event struct; reading leniently',
    );
  }
  try {
    await insert(paths, 'json');
    return { mode: 'json', unreadable };
  } catch (err) {
    logger.warn(
      { reason: reasonOf(err) },
      'a bronze object is unreadable; reading object by object',
    );
  }
  for (const input of inputs) {
    try {
      await insert([input.path], 'json');
    } catch (err) {
      unreadable.set(input.key, reasonOf(err));
    }
  }
  return { mode: 'per-object', unreadable };
}

/**
 * Builds one batch in a DuckDB session: reads the bronze objects, types, cleans and deduplicates
 * the records, builds the star schema, runs the quality gate (throwing on a hard failure, before
 * anything is written) and writes each table as Parquet (zstd) under `outDir`, ordered by its
 * primary key so that the same input gives the same bytes.
 */
export async function buildBatch(options: BuildOptions): Promise<BuiltBatch> {
  try {
    return await build(options);
  } catch (err) {
    if (err instanceof TransformerError) throw err;
    // Bad objects were set aside while reading: what fails now is the engine or the disk.
    throw new TransformerError('LS_TRANSFORMER_ENGINE_FAILED', `DuckDB failed: ${reasonOf(err)}`, {
      cause: err,
    });
  }
}

async function build(options: BuildOptions): Promise<BuiltBatch> {
  const { session, inputs, batchId, outDir, logger } = options;
  const byPath = new Map(inputs.map((input) => [input.path, input]));
  const { mode, unreadable } = await readInputs(session, inputs, logger);

  // An object holding other than what its manifest announced is not the committed object.
  const objects = new Map<string, ObjectRead>();
  for (const row of await session.rows(
    `SELECT file, count(*) AS n, min(kafka_offset) AS lo, max(kafka_offset) AS hi FROM typed GROUP BY file`,
  )) {
    const input = byPath.get(String(row.file))!;
    const records = Number(row.n);
    const first = Number(row.lo);
    const last = Number(row.hi);
    const announced = input.recordCount;
    const misplaced = first < input.firstOffset || last >= input.endOffset;
    if (misplaced || (announced !== undefined && records !== announced)) {
      unreadable.set(
        input.key,
        misplaced
          ? `holds records at offsets ${first}–${last}, outside its ${input.firstOffset}–${input.endOffset - 1}`
          : `holds ${records} records; its manifest says ${announced}`,
      );
      await session.run(`DELETE FROM typed WHERE file = ${sqlString(input.path)}`);
      continue;
    }
    objects.set(input.key, { records, firstOffset: first, lastOffset: last });
  }
  for (const input of inputs) {
    if (!objects.has(input.key) && !unreadable.has(input.key))
      objects.set(input.key, { records: 0, firstOffset: undefined, lastOffset: undefined });
  }

  await session.run(...createWinnersSql());
  for (const table of SILVER_TABLE_NAMES) await session.run(createTableSql(table, batchId));
  await options.afterBuild?.(session);

  const [stats] = await session.rows(`SELECT
    (SELECT count(*) FROM typed) AS records_in,
    (SELECT count(*) FROM typed WHERE problem IS NOT NULL) AS payload_rejected,
    (SELECT count(*) - count(DISTINCT order_item_id) FROM typed WHERE problem IS NULL) AS superseded,
    (SELECT count(*) FROM winners WHERE breaks_sales_rule OR breaks_total_rule) AS rule_rejected,
    (SELECT count(*) FROM winners WHERE breaks_sales_rule) AS sales_rejected,
    (SELECT count(*) FROM winners WHERE breaks_total_rule) AS total_rejected,
    (SELECT count(*) FROM fct_order_items) AS rows_out`);
  const counts: BatchCounts = {
    recordsIn: Number(stats!.records_in),
    rowsOut: Number(stats!.rows_out),
    payloadRejected: Number(stats!.payload_rejected),
    salesRuleRejected: Number(stats!.sales_rejected),
    totalRuleRejected: Number(stats!.total_rejected),
    ruleRejected: Number(stats!.rule_rejected),
    superseded: Number(stats!.superseded),
    unreadableObjects: inputs
      .filter((input) => unreadable.has(input.key))
      .map((input) => ({
        key: input.key,
        reason: unreadable.get(input.key)!,
        ...(input.recordCount === undefined ? {} : { recordCount: input.recordCount }),
      })),
  };
  const checks = await runQualityGate(session, counts);

  const files = await writeTables(session, outDir);
  const rows = Object.fromEntries(SILVER_TABLE_NAMES.map((t) => [t, 0])) as Record<
    SilverTableName,
    number
  >;
  for (const file of files) rows[file.table] += file.rows;
  const quarantine = await quarantineLines(session, batchId, byPath, counts);
  return { counts, checks, files, rows, quarantine, objects, readMode: mode };
}

/** Writes each table (the fact one file per order month) as Parquet under `outDir`. */
async function writeTables(session: DuckdbSession, outDir: string): Promise<BuiltFile[]> {
  const files: BuiltFile[] = [];
  for (const table of SILVER_TABLE_NAMES) {
    const spec = SILVER_TABLES[table];
    if (spec.partitionBy === undefined) {
      const rows = await session.count(`SELECT count(*) FROM ${quoteIdent(table)}`);
      const relativePath = `${table}/part-00000.parquet`;
      await mkdir(join(outDir, table), { recursive: true });
      await session.run(copyTableSql(table, join(outDir, relativePath)));
      files.push({ table, relativePath, rows });
      continue;
    }
    const months = await session.rows(
      `SELECT strftime(${quoteIdent(spec.partitionBy)}, '%Y-%m-%d') AS m, count(*) AS n FROM ${quoteIdent(table)} GROUP BY ALL ORDER BY m`,
    );
    for (const month of months) {
      const orderMonth = String(month.m);
      const folder = `${table}/${spec.partitionBy}=${orderMonth}`;
      const relativePath = `${folder}/part-00000.parquet`;
      await mkdir(join(outDir, folder), { recursive: true });
      await session.run(copyTableSql(table, join(outDir, relativePath), orderMonth));
      files.push({ table, relativePath, rows: Number(month.n), orderMonth });
    }
  }
  return files;
}

/** The quarantine: unreadable objects, then rejected records in (partition, offset) order. */
async function quarantineLines(
  session: DuckdbSession,
  batchId: string,
  byPath: ReadonlyMap<string, LocalInput>,
  counts: BatchCounts,
): Promise<string[]> {
  const lines: string[] = counts.unreadableObjects.map((object) =>
    JSON.stringify({
      batch_id: batchId,
      check: CHECK_NAMES.objectsReadable,
      reason: object.reason,
      object_key: object.key,
      ...(object.recordCount === undefined ? {} : { record_count: object.recordCount }),
    }),
  );
  if (counts.payloadRejected + counts.ruleRejected === 0) return lines;
  const fields = EVENT_FIELDS.map((f) => `${sqlString(f.name)}: ${quoteIdent(f.name)}`).join(', ');
  const reason = (rule: 'sales' | 'total') =>
    rule === 'sales'
      ? `'sales ' || sales || ' <> product_price × quantity = ' || round(order_item_product_price * order_item_quantity, 4)`
      : `'item_total ' || order_item_total || ' <> sales − discount = ' || round(sales - order_item_discount, 4)`;
  const rows = await session.rows(`
    SELECT file, kafka_topic, kafka_partition, kafka_offset,
      strftime(kafka_timestamp, '%Y-%m-%dT%H:%M:%S.%gZ') AS kafka_timestamp,
      check_name, reason, raw_value, CAST(to_json({${fields}}) AS VARCHAR) AS fields
    FROM (
      SELECT *, ${sqlString(CHECK_NAMES.payload)} AS check_name, problem AS reason
      FROM typed WHERE problem IS NOT NULL
      UNION ALL BY NAME
      SELECT *,
        CASE WHEN breaks_sales_rule THEN ${sqlString(CHECK_NAMES.salesRule)} ELSE ${sqlString(CHECK_NAMES.totalRule)} END AS check_name,
        concat_ws('; ', CASE WHEN breaks_sales_rule THEN ${reason('sales')} END,
          CASE WHEN breaks_total_rule THEN ${reason('total')} END) AS reason
      FROM winners WHERE breaks_sales_rule OR breaks_total_rule
    )
    ORDER BY kafka_partition, kafka_offset, file`);
  for (const row of rows) {
    const value = row.raw_value === null ? undefined : safeJson(String(row.raw_value));
    lines.push(
      JSON.stringify({
        batch_id: batchId,
        check: row.check_name,
        reason: row.reason,
        object_key: byPath.get(String(row.file))?.key ?? null,
        topic: row.kafka_topic,
        partition: Number(row.kafka_partition),
        offset: Number(row.kafka_offset),
        timestamp: row.kafka_timestamp,
        ...(value === undefined ? { fields: safeJson(String(row.fields)) } : { value }),
      }),
    );
  }
  return lines;
}

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}
