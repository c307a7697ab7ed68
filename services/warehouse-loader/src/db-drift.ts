/**
 * Schema drift of a synced table: the warehouse table follows the source's columns before a batch
 * is written. A new column is added, a widened type widened, a dropped column kept (nullable,
 * NULL in new rows). The source's COLUMN_TYPE is kept as each column's comment, so a change the
 * warehouse type does not show (varchar(50) → varchar(200)) is still seen and reported.
 */
import type { DuckDBConnection } from '@duckdb/node-api';
import { DB_METADATA_COLUMNS, type DbColumn, type DbSchemaChange } from '@lakestream/lake';
import { quoteIdent } from '@lakestream/silver';
import { sqlString, type TypedColumn } from './db-sql.js';
import { duckdbTypeOf, METADATA_COLUMNS_DDL, widenedType } from './db-types.js';

/** Appended to a column's comment once the source no longer has it (so it is reported once). */
const DROPPED_MARK = ' (dropped at the source)';
const METADATA = new Set<string>(Object.values(DB_METADATA_COLUMNS));

interface StoredColumn {
  type: string;
  comment: string | null;
}

/**
 * Creates the table, or brings it to the source's columns; returns the batch's columns with the
 * warehouse type each is decoded into, and the changes made. Runs inside the batch's transaction.
 */
export async function followSource(
  conn: DuckDBConnection,
  schema: string,
  table: string,
  columns: readonly DbColumn[],
): Promise<{ typed: TypedColumn[]; changes: DbSchemaChange[] }> {
  const target = `${quoteIdent(schema)}.${quoteIdent(table)}`;
  const stored = await storedColumns(conn, schema, table);
  const changes: DbSchemaChange[] = [];
  const comment = (name: string, text: string) =>
    conn.run(`COMMENT ON COLUMN ${target}.${quoteIdent(name)} IS ${sqlString(text)}`);
  if (stored.size === 0) {
    const ddl = [
      ...columns.map((c) => `${quoteIdent(c.name)} ${duckdbTypeOf(c)}`),
      ...METADATA_COLUMNS_DDL.map(([name, type]) => `${quoteIdent(name)} ${type}`),
    ];
    await conn.run(`CREATE TABLE ${target} (\n  ${ddl.join(',\n  ')}\n)`);
    for (const c of columns) await comment(c.name, c.column_type);
    return { typed: columns.map((column) => ({ column, type: duckdbTypeOf(column) })), changes };
  }
  const typed: TypedColumn[] = [];
  for (const column of columns) {
    const wanted = duckdbTypeOf(column);
    const current = stored.get(column.name);
    if (!current) {
      await conn.run(`ALTER TABLE ${target} ADD COLUMN ${quoteIdent(column.name)} ${wanted}`);
      await comment(column.name, column.column_type);
      changes.push({ kind: 'added', column: column.name, from: null, to: column.column_type });
      typed.push({ column, type: wanted });
      continue;
    }
    const type = widenedType(current.type, wanted);
    const before = current.comment ?? current.type.toLowerCase();
    const back = before.endsWith(DROPPED_MARK);
    if (type !== current.type) {
      await conn.run(`ALTER TABLE ${target} ALTER COLUMN ${quoteIdent(column.name)} TYPE ${type}`);
    }
    if (before !== column.column_type) {
      await comment(column.name, column.column_type);
      if (back) {
        changes.push({ kind: 'added', column: column.name, from: null, to: column.column_type });
      } else if (type !== current.type || grew(before, column.column_type)) {
        changes.push({
          kind: 'widened',
          column: column.name,
          from: before,
          to: column.column_type,
        });
      }
    }
    typed.push({ column, type });
  }
  const names = new Set(columns.map((c) => c.name));
  for (const [name, current] of stored) {
    if (METADATA.has(name) || names.has(name)) continue;
    const before = current.comment ?? current.type.toLowerCase();
    if (before.endsWith(DROPPED_MARK)) continue;
    await comment(name, `${before}${DROPPED_MARK}`);
    changes.push({ kind: 'dropped_kept', column: name, from: before, to: null });
  }
  return { typed, changes };
}

async function storedColumns(
  conn: DuckDBConnection,
  schema: string,
  table: string,
): Promise<Map<string, StoredColumn>> {
  const reader = await conn.runAndReadAll(
    'SELECT column_name, data_type, comment FROM duckdb_columns() WHERE schema_name = $1 AND table_name = $2 ORDER BY column_index',
    [schema, table],
  );
  return new Map(
    reader.getRowObjectsJson().map((row): [string, StoredColumn] => [
      String(row.column_name),
      {
        type: String(row.data_type),
        comment: row.comment === null || row.comment === undefined ? null : String(row.comment),
      },
    ]),
  );
}

/** True when the source type kept its name and its first size grew (`varchar(50)` → `varchar(200)`). */
function grew(from: string, to: string): boolean {
  const size = /^([a-z]+)\((\d+)/;
  const a = size.exec(from);
  const b = size.exec(to);
  return !!a && !!b && a[1] === b[1] && Number(b[2]) > Number(a[2]);
}
