import type { AuditRow } from './decode-message.js';

/**
 * A row's columns, in the order `encodeCopyRows` writes them. The cluster id and the topic are
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

/** True when the bytes hold a backslash, newline, carriage return or tab (see `escapeCopyText`). */
function needsEscape(bytes: Buffer): boolean {
  return (
    bytes.indexOf(0x5c) !== -1 ||
    bytes.indexOf(0x0a) !== -1 ||
    bytes.indexOf(0x0d) !== -1 ||
    bytes.indexOf(0x09) !== -1
  );
}

/**
 * The rows as COPY text-format lines (`COPY … FROM STDIN`, default tab delimiter and `\N`), in
 * `COPY_COLUMNS` order, as the UTF-8 bytes sent to PostgreSQL; `leading` (already escaped, ending
 * in a tab) starts every line, for columns that are the same in every row.
 *
 * The payload is nearly all of a line. A JSON text holds none of COPY's special characters unless
 * it has an escape sequence or whitespace between its tokens, so its bytes usually go into the
 * chunk as they arrived from Kafka: decoding them to a string, escaping it and encoding it again
 * took a fifth of the sink's own time.
 */
export function encodeCopyRows(rows: readonly AuditRow[], leading = ''): Buffer {
  const heads: string[] = new Array(rows.length);
  const payloads: Buffer[] = new Array(rows.length);
  const tails: string[] = new Array(rows.length);
  // An upper bound: a UTF-16 code unit takes at most 3 bytes in UTF-8.
  let bound = 0;
  for (let i = 0; i < rows.length; i++) {
    const r = rows[i]!;
    const head = `${leading}${r.partition}\t${r.offset}\t${r.key === null ? '\\N' : escapeCopyText(r.key)}\t`;
    const payload = needsEscape(r.payload)
      ? Buffer.from(escapeCopyText(r.payload.toString('utf8')), 'utf8')
      : r.payload;
    const tail =
      `\t${r.orderItemId}\t${r.orderId}\t${escapeCopyText(r.orderStatus)}\t` +
      `${escapeCopyText(r.orderDate)}\t${escapeCopyText(r.ingestedAt)}\t` +
      `${r.kafkaTimestamp ?? '\\N'}\t` +
      `${r.sourceFile === null ? '\\N' : escapeCopyText(r.sourceFile)}\t${r.sourceRow ?? '\\N'}\n`;
    heads[i] = head;
    payloads[i] = payload;
    tails[i] = tail;
    bound += 3 * (head.length + tail.length) + payload.length;
  }
  const out = Buffer.allocUnsafe(bound);
  let at = 0;
  for (let i = 0; i < rows.length; i++) {
    at += out.write(heads[i]!, at, 'utf8');
    at += payloads[i]!.copy(out, at);
    at += out.write(tails[i]!, at, 'utf8');
  }
  return out.subarray(0, at);
}
