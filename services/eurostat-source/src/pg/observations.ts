/**
 * The DDL of a dataset's observations table, `eurostat.observations_<code>`: one text column per
 * dimension of the dataset (its own, e.g. freq, unit, geo, time), then the value and the status
 * flag, with the primary key on the dimension columns. The dataset sync creates it per version.
 */
import { EUROSTAT_OBSERVATION_COLUMNS, eurostatObservationsTable } from '@lakestream/lake';
import { SCHEMA } from './schema.js';

// Dimension ids become column names: lower-case identifiers that need no quoting, and never one
// of the two value columns.
const DIMENSION = /^[a-z_][a-z0-9_]{0,62}$/;
const RESERVED = new Set<string>(Object.values(EUROSTAT_OBSERVATION_COLUMNS));

/** `eurostat.observations_<code>`, for SQL text. */
export function observationsTableName(code: string): string {
  const table = eurostatObservationsTable(code);
  // PostgreSQL cuts identifiers at 63 bytes: two long codes would silently share a table.
  if (table.length > 63) throw new RangeError(`table name ${table} is longer than 63 characters`);
  return `${SCHEMA}.${table}`;
}

/** The column holding the dataset code (the same in every row: a default, never copied). */
export const DATASET_COLUMN = 'dataset';

/**
 * The dimension ids as column names (lower case). Throws RangeError for an id that cannot be a
 * column of `table`, or for two ids that would be the same column.
 */
export function dimensionColumns(table: string, dimensions: readonly string[]): string[] {
  if (dimensions.length === 0) throw new RangeError('a dataset has at least one dimension');
  const columns = dimensions.map((d) => d.toLowerCase());
  for (const column of columns) {
    if (!DIMENSION.test(column) || RESERVED.has(column) || column === DATASET_COLUMN) {
      throw new RangeError(`dimension '${column}' cannot be a column of ${table}`);
    }
  }
  if (new Set(columns).size !== columns.length) {
    throw new RangeError(`dimensions of ${table} repeat: ${columns.join(', ')}`);
  }
  return columns;
}

/**
 * `CREATE TABLE` for a dataset's observations under `table` (a staging name during a load, the
 * real one otherwise): the dataset code (a default, `options.dataset`, when given), the dimension
 * columns (quoted: a dimension may be named like an SQL keyword), value and status. The primary
 * key is left out with `primaryKey: false`, for a bulk load that builds it once at the end.
 * Throws RangeError for a dimension id that cannot be a column.
 */
export function observationsTableDdl(
  table: string,
  dimensions: readonly string[],
  options: { dataset?: string; primaryKey?: boolean } = {},
): string {
  const columns = dimensionColumns(table, dimensions);
  const lines: string[] = [];
  if (options.dataset !== undefined) {
    if (!/^[a-z0-9_]+$/.test(options.dataset)) {
      throw new RangeError(`'${options.dataset}' is not a lower-case dataset code`);
    }
    lines.push(`${DATASET_COLUMN} text NOT NULL DEFAULT '${options.dataset}'`);
  }
  // Codes are ASCII identifiers: the "C" collation compares bytes, which builds and probes the
  // key several times faster than a linguistic collation and orders codes the same way.
  lines.push(...columns.map((c) => `"${c}" text COLLATE "C" NOT NULL`));
  lines.push(`${EUROSTAT_OBSERVATION_COLUMNS.value} double precision`);
  lines.push(`${EUROSTAT_OBSERVATION_COLUMNS.status} text`);
  if (options.primaryKey !== false) lines.push(`PRIMARY KEY (${quoted(columns)})`);
  return `CREATE TABLE ${table} (\n  ${lines.join(',\n  ')}\n)`;
}

/** The dimension columns quoted and comma-separated, for SQL text. */
export function quoted(columns: readonly string[]): string {
  return columns.map((c) => `"${c}"`).join(', ');
}
