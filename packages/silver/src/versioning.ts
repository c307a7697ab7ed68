/**
 * Which of two versions of an order item is the later one – the rule every reader of the order-item
 * topic applies (transformer winners, the warehouse loader's upsert guard, the audit view): the
 * greater (kafka_timestamp, kafka_partition, kafka_offset) tuple, compared in that order. The topic's
 * timestamps are the broker's append time, monotone with the offset within a partition and
 * comparable across partitions, so the rule still holds for a key that moved partitions; the offset
 * alone would not (packages/silver/README.md).
 */
export const VERSION_ORDER = ['kafka_timestamp', 'kafka_partition', 'kafka_offset'] as const;

/** One of `VERSION_ORDER`. */
export type VersionColumn = (typeof VERSION_ORDER)[number];

/**
 * SQL that is true when version `a` is the same as or later than version `b`, spelled out as a
 * lexicographic comparison (BigQuery cannot order STRUCTs; one text serves every engine). `a` and
 * `b` give each column's SQL expression on their side, e.g. `(c) => \`excluded.${c}\``.
 */
export function notEarlierSql(
  a: (column: VersionColumn) => string,
  b: (column: VersionColumn) => string,
): string {
  const last = VERSION_ORDER.length - 1;
  let sql = `${a(VERSION_ORDER[last]!)} >= ${b(VERSION_ORDER[last]!)}`;
  for (let i = last - 1; i >= 0; i--) {
    const column = VERSION_ORDER[i]!;
    sql = `${a(column)} > ${b(column)} OR (${a(column)} = ${b(column)} AND (${sql}))`;
  }
  return `(${sql})`;
}
