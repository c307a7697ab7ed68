/**
 * What a table is and how it is synced, decided from INFORMATION_SCHEMA and the table's state:
 * its columns, primary key, change-tracking column, the mode (FULL / INCREMENTAL) and the write
 * (replace / merge / append).
 */
import {
  type DbColumn,
  type DbSchemaChange,
  type DbWriteMode,
  dbValueKind,
} from '@lakestream/lake';
import type { PoolConnection, RowDataPacket } from 'mysql2/promise';
import { DbSyncError } from './errors.js';
import type { TableState } from './state.js';

/** How one table is read this time. */
export interface TablePlan {
  database: string;
  table: string;
  columns: DbColumn[];
  primaryKey: string[];
  cursorColumn: string | null;
  /** `datetime` or `timestamp`, the cursor column's kind. */
  cursorKind: 'datetime' | 'timestamp' | null;
  mode: 'full' | 'incremental';
  write: Extract<DbWriteMode, 'replace' | 'merge' | 'append'>;
  /** The watermark the read starts from (before the safe window); null for FULL. */
  watermark: string | null;
}

/** What discovery needs of the configuration. */
export interface DiscoveryOptions {
  timestampColumns: Readonly<Record<string, string>> | undefined;
  cursorColumnNames: readonly string[];
  /** `--full`: read every row, replace the warehouse table. */
  full: boolean;
}

const RESERVED_PREFIX = '_ls_';

/** Throws LS_DB_SYNC_UNKNOWN_DATABASE naming it when `database` does not exist on the source. */
export async function checkDatabase(connection: PoolConnection, database: string): Promise<void> {
  const [rows] = await connection.query<RowDataPacket[]>(
    'SELECT SCHEMA_NAME AS name FROM INFORMATION_SCHEMA.SCHEMATA WHERE SCHEMA_NAME = ?',
    [database],
  );
  if (rows.length === 0) {
    throw new DbSyncError(
      'LS_DB_SYNC_UNKNOWN_DATABASE',
      `database '${database}' does not exist on the source (or the user may not see it)`,
    );
  }
}

/** The table's columns in ORDINAL_POSITION order; throws LS_DB_SYNC_UNKNOWN_TABLE if it has none. */
export async function readColumns(
  connection: PoolConnection,
  database: string,
  table: string,
): Promise<DbColumn[]> {
  const [rows] = await connection.query<RowDataPacket[]>(
    `SELECT COLUMN_NAME AS name, ORDINAL_POSITION AS position, DATA_TYPE AS data_type,
            COLUMN_TYPE AS column_type, IS_NULLABLE AS nullable
       FROM INFORMATION_SCHEMA.COLUMNS
      WHERE TABLE_SCHEMA = ? AND TABLE_NAME = ?
      ORDER BY ORDINAL_POSITION`,
    [database, table],
  );
  if (rows.length === 0) {
    throw new DbSyncError(
      'LS_DB_SYNC_UNKNOWN_TABLE',
      `table '${table}' does not exist in database '${database}'`,
    );
  }
  return rows.map((row) => {
    const name = String(row.name);
    const dataType = String(row.data_type).toLowerCase();
    const kind = dbValueKind(dataType);
    if (kind === undefined) {
      throw new DbSyncError(
        'LS_DB_SYNC_TABLE_UNSUPPORTED',
        `${database}.${table}: column '${name}' has type ${dataType}, which the sync does not carry`,
      );
    }
    if (name.toLowerCase().startsWith(RESERVED_PREFIX)) {
      throw new DbSyncError(
        'LS_DB_SYNC_TABLE_UNSUPPORTED',
        `${database}.${table}: column '${name}' starts with ${RESERVED_PREFIX}, which is reserved for the warehouse's metadata`,
      );
    }
    return {
      name,
      position: Number(row.position),
      data_type: dataType,
      column_type: String(row.column_type).toLowerCase(),
      kind,
      nullable: row.nullable === 'YES',
    };
  });
}

/** The primary key's columns in key order; empty when the table has none. */
export async function readPrimaryKey(
  connection: PoolConnection,
  database: string,
  table: string,
): Promise<string[]> {
  const [rows] = await connection.query<RowDataPacket[]>(
    `SELECT COLUMN_NAME AS name FROM INFORMATION_SCHEMA.KEY_COLUMN_USAGE
      WHERE TABLE_SCHEMA = ? AND TABLE_NAME = ? AND CONSTRAINT_NAME = 'PRIMARY'
      ORDER BY ORDINAL_POSITION`,
    [database, table],
  );
  return rows.map((row) => String(row.name));
}

/**
 * The change-tracking column: the configured override (which must be a TIMESTAMP or DATETIME
 * column), else the first column, in table order, named like one of `names` and of either type.
 */
export function chooseCursorColumn(
  database: string,
  table: string,
  columns: readonly DbColumn[],
  options: Pick<DiscoveryOptions, 'timestampColumns' | 'cursorColumnNames'>,
): DbColumn | undefined {
  const temporal = (c: DbColumn) => c.kind === 'datetime' || c.kind === 'timestamp';
  const override = options.timestampColumns?.[table];
  if (override !== undefined) {
    const column = columns.find((c) => c.name.toLowerCase() === override.toLowerCase());
    if (column === undefined || !temporal(column)) {
      throw new DbSyncError(
        'LS_DB_SYNC_TABLE_UNSUPPORTED',
        `${database}.${table}: timestamp_columns names '${override}', which is ${column ? `a ${column.data_type}` : 'not a column'} (a TIMESTAMP or DATETIME column is needed)`,
      );
    }
    return column;
  }
  const names = new Set(options.cursorColumnNames.map((n) => n.toLowerCase()));
  return columns.find((c) => temporal(c) && names.has(c.name.toLowerCase()));
}

/** Decides how `table` is synced this time. */
export async function planTable(
  connection: PoolConnection,
  database: string,
  table: string,
  state: TableState | undefined,
  options: DiscoveryOptions,
): Promise<TablePlan> {
  const columns = await readColumns(connection, database, table);
  const primaryKey = await readPrimaryKey(connection, database, table);
  const cursor = chooseCursorColumn(database, table, columns, options);
  const cursorKind = cursor ? (cursor.kind as 'datetime' | 'timestamp') : null;
  // A watermark of another column or kind says nothing about this one: start again in full.
  const watermark =
    state?.watermark != null &&
    cursor !== undefined &&
    state.cursor_column === cursor.name &&
    state.watermark_kind === cursorKind
      ? state.watermark
      : null;
  const incremental = !options.full && watermark !== null;
  return {
    database,
    table,
    columns,
    primaryKey,
    cursorColumn: cursor?.name ?? null,
    cursorKind,
    mode: incremental ? 'incremental' : 'full',
    write: incremental ? (primaryKey.length > 0 ? 'merge' : 'append') : 'replace',
    watermark: incremental ? watermark : null,
  };
}

/** The source's schema changes since the columns recorded in the state. */
export function schemaDrift(
  before: readonly DbColumn[] | undefined,
  now: readonly DbColumn[],
): DbSchemaChange[] {
  if (before === undefined || before.length === 0) return [];
  const old = new Map(before.map((c) => [c.name, c]));
  const changes: DbSchemaChange[] = [];
  for (const column of now) {
    const previous = old.get(column.name);
    if (previous === undefined) {
      changes.push({ kind: 'added', column: column.name, from: null, to: column.column_type });
    } else if (previous.column_type !== column.column_type) {
      changes.push({
        kind: 'widened',
        column: column.name,
        from: previous.column_type,
        to: column.column_type,
      });
    }
  }
  const current = new Set(now.map((c) => c.name));
  for (const column of before) {
    if (!current.has(column.name)) {
      changes.push({
        kind: 'dropped_kept',
        column: column.name,
        from: column.column_type,
        to: null,
      });
    }
  }
  return changes;
}

/** The one line printed per table: what was decided. */
export function describePlan(plan: TablePlan): string {
  const key = plan.primaryKey.length > 0 ? plan.primaryKey.join(',') : '(none)';
  const since = plan.watermark === null ? '' : ` since ${plan.watermark}`;
  return `${plan.database}.${plan.table}: key ${key}, cursor ${plan.cursorColumn ?? '(none)'}, mode ${plan.mode}${since}, write ${plan.write}`;
}
