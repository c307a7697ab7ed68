import {
  BIGQUERY_TYPES,
  DUCKDB_TYPES,
  quoteIdent,
  SILVER_TABLE_NAMES,
  type SilverTableName,
  type SilverType,
} from '@lakestream/silver';

/**
 * `_lakestream_loads`: the batches applied to a warehouse, one row each, written in the same unit
 * of work as the batch's data (DuckDB) or right after it (BigQuery). It is the loader's only
 * state, kept in the warehouse itself so that a warehouse restored from a backup, or a fresh one,
 * knows exactly what it holds.
 */
export const LOADS_TABLE = '_lakestream_loads';

/** One column of the loads table. */
export interface LoadsColumn {
  name: string;
  type: SilverType;
  nullable: boolean;
  description: string;
}

/** The column holding a silver table's row count in the batch: `<table>_rows`. */
export function rowsColumn(table: SilverTableName): string {
  return `${table}_rows`;
}

/** The loads table's columns, in order; `batch_id` is the primary key. */
export const LOADS_COLUMNS: readonly LoadsColumn[] = [
  { name: 'batch_id', type: 'string', nullable: false, description: 'The silver batch id' },
  { name: 'sequence', type: 'int64', nullable: false, description: 'Its sequence number' },
  { name: 'manifest_key', type: 'string', nullable: false, description: 'Key of its manifest' },
  {
    name: 'manifest_sha256',
    type: 'string',
    nullable: false,
    description: "SHA-256 (hex) of the manifest's bytes as applied",
  },
  {
    name: 'batch_created_at',
    type: 'timestamp',
    nullable: false,
    description: 'When the transformer published the batch (UTC)',
  },
  ...SILVER_TABLE_NAMES.map((table) => ({
    name: rowsColumn(table),
    type: 'int64' as const,
    nullable: false,
    description: `Rows of ${table} in the batch`,
  })),
  {
    name: 'loaded_at',
    type: 'timestamp',
    nullable: false,
    description: 'When it was applied (UTC)',
  },
];

/** `CREATE TABLE` body of the loads table for DuckDB. */
export function loadsDuckdbDdl(): string {
  const columns = LOADS_COLUMNS.map(
    (c) => `${quoteIdent(c.name)} ${DUCKDB_TYPES[c.type]}${c.nullable ? '' : ' NOT NULL'}`,
  );
  return [...columns, `PRIMARY KEY (${quoteIdent('batch_id')})`].join(',\n  ');
}

/** BigQuery schema fields of the loads table. */
export function loadsBigquerySchema(): {
  name: string;
  type: string;
  mode: 'REQUIRED' | 'NULLABLE';
  description: string;
}[] {
  return LOADS_COLUMNS.map((c) => ({
    name: c.name,
    type: BIGQUERY_TYPES[c.type],
    mode: c.nullable ? 'NULLABLE' : 'REQUIRED',
    description: c.description,
  }));
}
