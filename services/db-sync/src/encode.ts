/**
 * A source row as the table topic carries it: every value encoded exactly per `DB_VALUE_KINDS`
 * (packages/lake), the Kafka key, and the row hash that identifies a row of a table without a
 * primary key.
 */
import { createHash } from 'node:crypto';
import type { DbColumn } from '@lakestream/lake';

/** One value as the client returns it (dateStrings, bigNumberStrings, decimals as text). */
export function encodeValue(column: DbColumn, value: unknown): unknown {
  if (value === null || value === undefined) return null;
  switch (column.kind) {
    case 'integer':
    case 'float':
      return typeof value === 'number' ? value : Number(value);
    case 'bigint':
    case 'decimal':
    case 'date':
    case 'time':
    case 'datetime':
      return String(value);
    case 'timestamp':
      // Read with the session time zone at UTC: the offset makes the value unambiguous.
      return `${String(value)}+00:00`;
    case 'string':
      return Buffer.isBuffer(value) ? value.toString('utf8') : String(value);
    case 'json':
      if (Buffer.isBuffer(value)) return value.toString('utf8');
      return typeof value === 'string' ? value : JSON.stringify(value);
    case 'binary':
      return Buffer.isBuffer(value)
        ? value.toString('base64')
        : Buffer.from(String(value)).toString('base64');
  }
}

/** The encoded row, in ORDINAL_POSITION order. */
export function encodeRow(
  columns: readonly DbColumn[],
  raw: Record<string, unknown>,
): Record<string, unknown> {
  const row: Record<string, unknown> = {};
  for (const column of columns) row[column.name] = encodeValue(column, raw[column.name]);
  return row;
}

/**
 * The row hash (`_ls_row_hash`): sha256, hex, of `JSON.stringify` of the encoded row as the record
 * carries it – so a reader of the record computes the same hash from `JSON.parse(record).row`.
 */
export function rowHash(row: Record<string, unknown>): string {
  return createHash('sha256').update(JSON.stringify(row)).digest('hex');
}

/** The Kafka key: the primary key's encoded values as a JSON array; without one, the row hash. */
export function recordKey(primaryKey: readonly string[], row: Record<string, unknown>): string {
  if (primaryKey.length === 0) return rowHash(row);
  return JSON.stringify(primaryKey.map((name) => row[name]));
}
