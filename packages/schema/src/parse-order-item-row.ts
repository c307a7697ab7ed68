import { assembleOrderItemEvent } from './assemble-order-item-event.js';
import { type CompiledColumn, compileColumn } from './column-parsers.js';
import { ORDER_ITEM_COLUMNS, ORDER_ITEM_HEADERS } from './columns.js';
import type { OrderItemEvent, SourcePosition } from './order-item-event.js';
import type { Problem } from './problem.js';

/** Where the row comes from, copied into the event and into every problem. */
export interface ParseContext extends SourcePosition {
  /** When the row was read, ISO-8601 UTC. Defaults to now; pass it to save a clock read per row. */
  ingestedAt?: string;
}

/** A parsed row: the event, or every problem found in the row. */
export type ParseResult =
  | { readonly ok: true; readonly event: OrderItemEvent }
  | { readonly ok: false; readonly problems: readonly Problem[] };

// Module-level copies: the hot loop should not go through imported live bindings.
const COLUMNS: readonly CompiledColumn[] = ORDER_ITEM_COLUMNS.map(compileColumn);
const COLUMN_COUNT = COLUMNS.length;
const KNOWN_HEADERS: ReadonlySet<string> = new Set(ORDER_ITEM_HEADERS);

/**
 * Scratch space for one row's values, reused across calls: parsing is synchronous and the values
 * are copied into the event before returning, so no call can see another's.
 */
const values: (string | number | null)[] = new Array(COLUMN_COUNT).fill(null);

/**
 * Parses one data row — the fields in header order, or a record keyed by header (as csv-parse
 * returns with `columns: true`) — into an `OrderItemEvent`, collecting every problem of the row.
 *
 * A list with the wrong number of fields gets a single field-count problem: its values cannot be
 * matched to columns, so judging them column by column would only produce misleading noise.
 */
export function parseOrderItemRow(
  fields: readonly string[] | Readonly<Record<string, string>>,
  context: ParseContext,
): ParseResult {
  const { row } = context;
  const list = Array.isArray(fields) ? (fields as readonly string[]) : undefined;
  const record = list === undefined ? (fields as Readonly<Record<string, string>>) : undefined;
  if (list !== undefined && list.length !== COLUMN_COUNT) {
    const message = `expected ${COLUMN_COUNT} fields, found ${list.length}`;
    return {
      ok: false,
      problems: [{ code: 'LS_SCHEMA_FIELD_COUNT', column: null, row, value: null, message }],
    };
  }

  const problems: Problem[] = [];
  for (let i = 0; i < COLUMN_COUNT; i++) {
    const column = COLUMNS[i]!;
    const text = list !== undefined ? list[i] : record![column.header];
    if (text === undefined) {
      problems.push({
        code: 'LS_SCHEMA_MISSING_COLUMN',
        column: column.header,
        row,
        value: null,
        message: 'column missing from the record',
      });
    } else if (text === '') {
      if (column.nullable) {
        values[i] = null;
      } else {
        problems.push({
          code: 'LS_SCHEMA_REQUIRED',
          column: column.header,
          row,
          value: text,
          message: 'missing required value',
        });
      }
    } else {
      const value = column.parse(text);
      // Parsers return a primitive or a Rejection, so `typeof` tells them apart; it measured
      // markedly cheaper than `instanceof` in this loop.
      if (typeof value === 'object') {
        problems.push({
          code: value.code,
          column: column.header,
          row,
          value: text,
          message: value.message,
        });
      } else {
        values[i] = value;
      }
    }
  }

  // A record holding every column can still carry extra keys; only then is it worth listing them.
  if (record !== undefined) {
    const keys = Object.keys(record);
    if (keys.length !== COLUMN_COUNT || problems.length > 0) {
      for (const key of keys) {
        if (KNOWN_HEADERS.has(key)) continue;
        problems.push({
          code: 'LS_SCHEMA_UNEXPECTED_COLUMN',
          column: key,
          row,
          value: record[key] ?? null,
          message: 'not a DataCo order-item column',
        });
      }
    }
  }

  if (problems.length > 0) return { ok: false, problems };
  const event = assembleOrderItemEvent(
    values,
    { file: context.file, row },
    context.ingestedAt ?? new Date().toISOString(),
  );
  return { ok: true, event };
}
