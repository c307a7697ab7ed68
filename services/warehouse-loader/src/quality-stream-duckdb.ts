/**
 * Merges staged quality reports into DuckDB's `reports.quality_stream`: the staging table and
 * the MERGE (quality-stream-sql.ts) in one transaction.
 */
import type { DuckDBConnection } from '@duckdb/node-api';
import { QUALITY_STREAM_TABLE } from '@lakestream/lake';
import { quoteIdent } from '@lakestream/silver';
import { classifyDuckdbError } from './duckdb-target.js';
import {
  DUCKDB_DIALECT,
  qualityMergeSql,
  qualityStageDuckdbSql,
  qualityStreamDuckdbDdl,
} from './quality-stream-sql.js';

const STAGE = '_ls_quality_stage';

/** The table's quoted name. */
export const QUALITY_STREAM_DUCKDB = `${quoteIdent(QUALITY_STREAM_TABLE.schema)}.${quoteIdent(QUALITY_STREAM_TABLE.table)}`;

/**
 * Applies the staged reports of `file` (NDJSON, one row per insert id) at `at`; resolves with the
 * rows the MERGE inserted or replaced.
 */
export async function mergeQualityDuckdb(
  conn: DuckDBConnection,
  file: string,
  at: string,
  what: string,
): Promise<number> {
  const step = async (sql: string, doing: string) => {
    try {
      return (await conn.runAndReadAll(sql)).getRowObjectsJson();
    } catch (err) {
      throw classifyDuckdbError(err, `${what}: ${doing}`);
    }
  };
  await step(
    `CREATE SCHEMA IF NOT EXISTS ${quoteIdent(QUALITY_STREAM_TABLE.schema)}`,
    'creating the schema',
  );
  await step(qualityStreamDuckdbDdl(QUALITY_STREAM_DUCKDB), 'creating the table');
  await step('BEGIN TRANSACTION', 'starting a transaction');
  try {
    await step(qualityStageDuckdbSql(STAGE, file), 'staging the reports');
    const [merged] = await step(
      qualityMergeSql(DUCKDB_DIALECT, QUALITY_STREAM_DUCKDB, STAGE, at),
      'merging',
    );
    await step(`DROP TABLE ${STAGE}`, 'dropping the staging table');
    await step('COMMIT', 'committing');
    return Number(Object.values(merged ?? {})[0] ?? 0);
  } catch (err) {
    await conn.run('ROLLBACK').catch(() => {});
    throw err;
  }
}
