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

/**
 * `CREATE TABLE` for a dataset's observations under `table` (a staging name during a load, the
 * real one otherwise). Throws RangeError for a dimension id that cannot be a column.
 */
export function observationsTableDdl(table: string, dimensions: readonly string[]): string {
  if (dimensions.length === 0) throw new RangeError('a dataset has at least one dimension');
  const columns = dimensions.map((d) => d.toLowerCase());
  for (const column of columns) {
    if (!DIMENSION.test(column) || RESERVED.has(column)) {
      throw new RangeError(`dimension '${column}' cannot be a column of ${table}`);
    }
  }
  if (new Set(columns).size !== columns.length) {
    throw new RangeError(`dimensions of ${table} repeat: ${columns.join(', ')}`);
  }
  return `CREATE TABLE ${table} (
  ${columns.map((c) => `${c} text NOT NULL`).join(',\n  ')},
  ${EUROSTAT_OBSERVATION_COLUMNS.value} double precision,
  ${EUROSTAT_OBSERVATION_COLUMNS.status} text,
  PRIMARY KEY (${columns.join(', ')})
)`;
}
