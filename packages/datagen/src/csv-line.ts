/**
 * RFC 4180 encoding of one CSV line, quoting only what must be quoted (a field holding a comma,
 * a double quote or a line break), as the real DataCo file does.
 */

const NEEDS_QUOTES = /[",\r\n]/;
const QUOTE = /"/g;

/** One field as CSV: unchanged, or wrapped in quotes with inner quotes doubled. */
export function quoteCsvField(field: string): string {
  return NEEDS_QUOTES.test(field) ? `"${field.replace(QUOTE, '""')}"` : field;
}

/** One record as a CSV line, LF-terminated. */
export function encodeCsvLine(fields: readonly string[]): string {
  // join() builds one flat string; concatenating 53 pieces with += would build a rope that costs
  // more to flatten (and to collect) than it saves.
  return `${fields.map(quoteCsvField).join(',')}\n`;
}
