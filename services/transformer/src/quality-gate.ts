import {
  type QualityCheck,
  quoteIdent,
  SILVER_TABLE_NAMES,
  SILVER_TABLES,
  type SilverTableName,
} from '@lakestream/silver';
import type { DuckdbSession } from './duckdb-session.js';
import { TransformerError } from './errors.js';

/** The counts of a built batch, as the gate checks them. */
export interface BatchCounts {
  /** Bronze records read (of readable objects, within their offsets). */
  recordsIn: number;
  /** Fact rows built. */
  rowsOut: number;
  /** Records that are not a v1 OrderItemEvent. */
  payloadRejected: number;
  /** Latest versions that break `sales = price × quantity`. */
  salesRuleRejected: number;
  /** Latest versions that break `item_total = sales − discount`. */
  totalRuleRejected: number;
  /** Latest versions quarantined for breaking either rule (a row breaking both counts once). */
  ruleRejected: number;
  /** Valid versions of an order item that a later offset superseded. */
  superseded: number;
  /** Objects that could not be read, whole. */
  unreadableObjects: readonly { key: string; reason: string; recordCount?: number }[];
}

/** The names of the gate's checks, stable: they are metric labels and manifest entries. */
export const CHECK_NAMES = {
  objectsReadable: 'bronze_objects_readable',
  payload: 'records_are_order_item_events_v1',
  salesRule: 'sales_equals_price_times_quantity',
  totalRule: 'item_total_equals_sales_minus_discount',
  balance: 'records_in_equals_out_plus_rejected_plus_superseded',
} as const;

const quarantined = (name: string, failing: number, detail?: string): QualityCheck => ({
  name,
  status: failing > 0 ? 'quarantined' : 'passed',
  failing_rows: failing,
  ...(failing > 0 && detail !== undefined ? { detail } : {}),
});

const hard = (name: string, failing: number, detail: string): QualityCheck => ({
  name,
  status: failing > 0 ? 'failed' : 'passed',
  failing_rows: failing,
  ...(failing > 0 ? { detail } : {}),
});

/**
 * The data-quality gate between bronze and silver, run on the built tables before anything is
 * written. Row-level rules were already applied (their rows are quarantined; the checks report
 * them); here the hard invariants are checked: the counts balance, every table's primary key is
 * non-null and unique and its NOT NULL columns are filled, every foreign key of the fact
 * resolves to a dimension row of the batch. Any hard failure throws
 * `LS_TRANSFORMER_QUALITY_FAILED` with every check in its details.
 */
export async function runQualityGate(
  session: DuckdbSession,
  counts: BatchCounts,
): Promise<QualityCheck[]> {
  const checks: QualityCheck[] = [];
  const unreadable = counts.unreadableObjects;
  // An object found by listing has no known record count: it still counts as quarantined.
  checks.push({
    name: CHECK_NAMES.objectsReadable,
    status: unreadable.length > 0 ? 'quarantined' : 'passed',
    failing_rows: unreadable.reduce((sum, o) => sum + (o.recordCount ?? 0), 0),
    ...(unreadable.length > 0
      ? { detail: unreadable.map((o) => `${o.key}: ${o.reason}`).join('; ') }
      : {}),
  });
  checks.push(
    quarantined(CHECK_NAMES.payload, counts.payloadRejected, 'see the quarantine file'),
    quarantined(CHECK_NAMES.salesRule, counts.salesRuleRejected, 'within 0.01'),
    quarantined(CHECK_NAMES.totalRule, counts.totalRuleRejected, 'within 0.01'),
  );
  const rejected = counts.payloadRejected + counts.ruleRejected;
  const balance = counts.rowsOut + rejected + counts.superseded;
  checks.push(
    hard(
      CHECK_NAMES.balance,
      Math.abs(counts.recordsIn - balance),
      `records_in ${counts.recordsIn} <> rows_out ${counts.rowsOut} + rejected ${rejected} + superseded ${counts.superseded}`,
    ),
  );

  for (const table of SILVER_TABLE_NAMES) checks.push(...(await tableChecks(session, table)));
  for (const fk of SILVER_TABLES.fct_order_items.foreignKeys) {
    const dangling = await session.count(
      `SELECT count(*) FROM fct_order_items f LEFT JOIN ${quoteIdent(fk.references.table)} d ` +
        `ON f.${quoteIdent(fk.column)} = d.${quoteIdent(fk.references.column)} ` +
        `WHERE d.${quoteIdent(fk.references.column)} IS NULL`,
    );
    checks.push(
      hard(
        `fct_order_items.${fk.column}_resolves`,
        dangling,
        `${dangling} rows have a ${fk.column} with no ${fk.references.table} row in the batch`,
      ),
    );
  }

  const failed = checks.filter((check) => check.status === 'failed');
  if (failed.length > 0) {
    throw new TransformerError(
      'LS_TRANSFORMER_QUALITY_FAILED',
      `data-quality gate failed: ${failed.map((c) => `${c.name} (${c.detail})`).join('; ')}`,
      { details: { checks } },
    );
  }
  return checks;
}

/** Primary key not null and unique; NOT NULL columns filled. */
async function tableChecks(
  session: DuckdbSession,
  table: SilverTableName,
): Promise<QualityCheck[]> {
  const spec = SILVER_TABLES[table];
  const pk = quoteIdent(spec.primaryKey);
  const required = spec.columns
    .filter((c) => !c.nullable)
    .map((c) => `${quoteIdent(c.name)} IS NULL`);
  const [row] = await session.rows(
    `SELECT count(*) AS n, count(${pk}) AS keyed, count(DISTINCT ${pk}) AS distinct_keys, ` +
      `count(*) FILTER (WHERE ${required.join(' OR ')}) AS with_nulls FROM ${quoteIdent(table)}`,
  );
  const n = Number(row?.n ?? 0);
  const keyed = Number(row?.keyed ?? 0);
  const distinct = Number(row?.distinct_keys ?? 0);
  const withNulls = Number(row?.with_nulls ?? 0);
  const keyProblems = n - keyed + (keyed - distinct);
  return [
    hard(
      `${table}.primary_key_not_null_unique`,
      keyProblems,
      `${n - keyed} rows without ${spec.primaryKey}, ${keyed - distinct} duplicate ${spec.primaryKey} values`,
    ),
    hard(
      `${table}.not_null_columns`,
      withNulls,
      `${withNulls} rows with a NULL in a NOT NULL column`,
    ),
  ];
}
