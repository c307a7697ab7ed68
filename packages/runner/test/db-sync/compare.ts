// Row-by-row comparison of a source table in MariaDB with its warehouse copy in DuckDB, on the
// values themselves: both sides are rendered to one canonical text per value (exact decimals and
// integers, microsecond timestamps, hex for bytes), then sorted and compared whole.
import { DuckDBInstance } from '@duckdb/node-api';
import type { Connection } from 'mysql2/promise';

interface SourceColumn {
  name: string;
  dataType: string;
}

const BINARY = new Set([
  'binary',
  'varbinary',
  'tinyblob',
  'blob',
  'mediumblob',
  'longblob',
  'bit',
]);
const FLOAT = new Set(['float', 'double', 'real']);

/** `YYYY-MM-DD HH:MM:SS[.f…][+00[:00]]` → `YYYY-MM-DD HH:MM:SS.ffffff` (UTC); other text as is. */
export function canonicalTime(text: string): string {
  const m =
    /^(\d{4}-\d{2}-\d{2})[ T](\d{2}:\d{2}:\d{2})(?:\.(\d{1,6}))?(?:Z|[+-]00(?::?00)?)?$/.exec(text);
  if (!m) return text;
  return `${m[1]} ${m[2]}.${(m[3] ?? '').padEnd(6, '0')}`;
}

function canonical(value: unknown, dataType: string): string {
  if (value === null || value === undefined) return '∅';
  if (FLOAT.has(dataType)) return String(Number(value));
  if (typeof value === 'bigint') return value.toString();
  const text = String(value);
  if (dataType === 'datetime' || dataType === 'timestamp') return canonicalTime(text);
  if (BINARY.has(dataType)) return text.toUpperCase();
  return text;
}

/** The source table's columns, in position order. */
export async function sourceColumns(
  db: Connection,
  database: string,
  table: string,
): Promise<SourceColumn[]> {
  const [rows] = await db.query(
    `SELECT COLUMN_NAME AS name, DATA_TYPE AS dataType FROM INFORMATION_SCHEMA.COLUMNS
     WHERE TABLE_SCHEMA = ? AND TABLE_NAME = ? ORDER BY ORDINAL_POSITION`,
    [database, table],
  );
  return (rows as { name: string; dataType: string }[]).map((r) => ({
    name: r.name,
    dataType: r.dataType.toLowerCase(),
  }));
}

/** Every row of the source table as canonical text lines, sorted. */
export async function sourceRows(
  db: Connection,
  database: string,
  table: string,
  columns: SourceColumn[],
): Promise<string[]> {
  await db.query("SET time_zone = '+00:00'");
  const select = columns
    .map((c) => (BINARY.has(c.dataType) ? `HEX(\`${c.name}\`) AS \`${c.name}\`` : `\`${c.name}\``))
    .join(', ');
  const [rows] = await db.query({
    sql: `SELECT ${select} FROM \`${database}\`.\`${table}\``,
    rowsAsArray: true,
  });
  return (rows as unknown[][])
    .map((row) => row.map((v, i) => canonical(v, columns[i]!.dataType)).join(' | '))
    .sort();
}

/**
 * Rows of the warehouse table with these columns, as canonical text lines, sorted; rows marked
 * deleted are left out unless `includeDeleted`.
 */
export async function warehouseRows(
  warehouseFile: string,
  schema: string,
  table: string,
  columns: SourceColumn[],
  options: { includeDeleted?: boolean } = {},
): Promise<string[]> {
  const instance = await openReadOnly(warehouseFile);
  const connection = await instance.connect();
  try {
    await connection.run("SET TimeZone = 'UTC'");
    const select = columns
      .map((c) => (BINARY.has(c.dataType) ? `hex("${c.name}")` : `CAST("${c.name}" AS VARCHAR)`))
      .join(', ');
    const where = options.includeDeleted ? '' : ' WHERE _ls_deleted_at IS NULL';
    const reader = await connection.runAndReadAll(
      `SELECT ${select} FROM "${schema}"."${table}"${where}`,
    );
    return reader
      .getRows()
      .map((row) => row.map((v, i) => canonical(v, columns[i]!.dataType)).join(' | '))
      .sort();
  } finally {
    connection.closeSync();
    instance.closeSync();
  }
}

/**
 * The warehouse file, read-only. The loader holds it while it applies a batch (DuckDB lets one
 * process write a file, and no other open it meanwhile): wait for the batch under way to end.
 */
export async function openReadOnly(file: string): Promise<DuckDBInstance> {
  for (let tries = 0; ; tries++) {
    try {
      return await DuckDBInstance.create(file, { access_mode: 'READ_ONLY' });
    } catch (err) {
      if (tries >= 100 || !/Could not set lock/.test(String(err))) throw err;
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
  }
}

/** Differences between two sorted row lists: rows only in one of them (at most `limit` each). */
export function rowDiff(
  source: string[],
  warehouse: string[],
  limit = 5,
): { onlySource: string[]; onlyWarehouse: string[] } {
  const count = (rows: string[]) => {
    const m = new Map<string, number>();
    for (const r of rows) m.set(r, (m.get(r) ?? 0) + 1);
    return m;
  };
  const a = count(source);
  const b = count(warehouse);
  const only = (x: Map<string, number>, y: Map<string, number>) =>
    [...x].flatMap(([r, n]) => Array(Math.max(0, n - (y.get(r) ?? 0))).fill(r)).slice(0, limit);
  return { onlySource: only(a, b), onlyWarehouse: only(b, a) };
}
