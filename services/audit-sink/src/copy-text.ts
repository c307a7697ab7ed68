import type { AuditRow } from './decode-message.js';

/**
 * A row's columns, in the order `encodeCopyText` writes them. The cluster id and the topic are
 * not among them: a batch comes from one topic of one cluster, written once as `leading`.
 */
export const COPY_COLUMNS = [
  'partition',
  'offset',
  'key',
  'payload',
  'order_item_id',
  'order_id',
  'order_status',
  'order_date',
  'ingested_at',
  'kafka_timestamp',
  'source_file',
  'source_row',
] as const;

const SPECIAL = /[\\\n\r\t]/;
const SPECIAL_ALL = /[\\\n\r\t]/g;
const ESCAPES: Readonly<Record<string, string>> = {
  '\\': '\\\\',
  '\n': '\\n',
  '\r': '\\r',
  '\t': '\\t',
};

/**
 * Escapes a value for COPY's text format: backslash, newline, carriage return and tab are the
 * characters with a meaning there (escape, row end, row end, column separator), so each is written
 * as its backslash sequence. A backslash is always doubled, so no data can read as `\N` (NULL) or
 * `\.` (end of data). Most values hold none of them and are returned as they are.
 */
export function escapeCopyText(value: string): string {
  return SPECIAL.test(value) ? value.replace(SPECIAL_ALL, (c) => ESCAPES[c]!) : value;
}

/**
 * The rows as COPY text-format lines (`COPY … FROM STDIN`, default tab delimiter and `\N`), in
 * `COPY_COLUMNS` order; `leading` (already escaped, ending in a tab) starts every line, for columns
 * that are the same in every row.
 */
export function encodeCopyText(rows: readonly AuditRow[], leading = ''): string {
  const lines: string[] = new Array(rows.length);
  for (let i = 0; i < rows.length; i++) {
    const r = rows[i]!;
    lines[i] =
      `${leading}${r.partition}\t${r.offset}\t${r.key === null ? '\\N' : escapeCopyText(r.key)}\t` +
      `${escapeCopyText(r.payload)}\t${r.orderItemId}\t${r.orderId}\t` +
      `${escapeCopyText(r.orderStatus)}\t${escapeCopyText(r.orderDate)}\t` +
      `${escapeCopyText(r.ingestedAt)}\t${r.kafkaTimestamp ?? '\\N'}\t` +
      `${r.sourceFile === null ? '\\N' : escapeCopyText(r.sourceFile)}\t${r.sourceRow ?? '\\N'}\n`;
  }
  return lines.join('');
}
