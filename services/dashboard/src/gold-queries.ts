import { z } from 'zod';
import { DashboardError } from './errors.js';
import type { SqlDialect, Warehouse } from './warehouse/warehouse.js';

const count = z.number();
const amount = z.number().nullable();
const ratio = z.number().nullable();
const label = z.string().nullable();

/** One month of `gold.overall_performance`. */
export const MonthlyPerformanceSchema = z.object({
  month: z.string(),
  order_count: count,
  item_count: count,
  net_sales: amount,
  profit: amount,
  profit_margin: ratio,
  avg_days_shipping_real: ratio,
  avg_days_shipping_scheduled: ratio,
  late_delivery_rate: ratio,
});
export type MonthlyPerformance = z.infer<typeof MonthlyPerformanceSchema>;

/** One month of `gold.customer_retention`. */
export const RetentionMonthSchema = z.object({
  month: z.string(),
  active_customers: count,
  new_customers: count,
  returning_customers: count,
  retained_customers: count,
  retention_rate: ratio,
});
export type RetentionMonth = z.infer<typeof RetentionMonthSchema>;

/** One (delivery status, shipping mode) of `gold.shipping_delays`. */
export const ShippingDelaySchema = z.object({
  delivery_status: label,
  shipping_mode: label,
  item_count: count,
  avg_delay_days: ratio,
  late_rate: ratio,
});
export type ShippingDelay = z.infer<typeof ShippingDelaySchema>;

/** `gold.financial_commitments` summed over markets and categories: one department. */
export const DepartmentCommitmentsSchema = z.object({
  department_name: label,
  item_count: count,
  net_sales: amount,
  open_commitments: amount,
  fulfilled_sales: amount,
  fulfilment_rate: ratio,
});
export type DepartmentCommitments = z.infer<typeof DepartmentCommitmentsSchema>;

/** One customer of `gold.fraud_detection`. */
export const FlaggedCustomerSchema = z.object({
  customer_id: z.string(),
  order_count: count,
  suspected_fraud_orders: count,
  fraud_order_rate: ratio,
  total_spend: amount,
  transfer_order_share: ratio,
  is_flagged: z.boolean(),
});
export type FlaggedCustomer = z.infer<typeof FlaggedCustomerSchema>;

/** The headline figures of the gold layer (every value null while the tables are empty). */
export const KpiSummarySchema = z.object({
  /** Σ net sales over valid sales, all months. */
  total_net_sales: amount,
  /** Σ profit over valid sales, all months. */
  total_profit: amount,
  /** total_profit ÷ total_net_sales. */
  profit_margin: ratio,
  /** Order items (all statuses). */
  items: count.nullable(),
  /** Orders (all statuses). */
  orders: count.nullable(),
  /** Customers with at least one item. */
  customers: count,
  /** Latest month with an item, `YYYY-MM-DD`. */
  latest_month: z.string().nullable(),
  /** Customers with at least one suspected-fraud order. */
  flagged_customers: count.nullable(),
  /** Share of items at risk of late delivery (mean of late_delivery_risk over all items). */
  late_delivery_rate: ratio,
});
export type KpiSummary = z.infer<typeof KpiSummarySchema>;

/** How many customers the "most flagged" chart shows. */
export const FLAGGED_CUSTOMERS_SHOWN = 10;

/**
 * The SQL of each chart, written once over a dialect. Every column is cast to a double or text
 * in SQL, so DuckDB and BigQuery hand back the same plain JSON values.
 */
export function goldSql(d: SqlDialect) {
  const n = d.number;
  return {
    performance: `
SELECT ${d.text('month')} AS month,
       ${n('order_count')} AS order_count,
       ${n('item_count')} AS item_count,
       ${n('net_sales')} AS net_sales,
       ${n('profit')} AS profit,
       ${n('profit_margin')} AS profit_margin,
       ${n('avg_days_shipping_real')} AS avg_days_shipping_real,
       ${n('avg_days_shipping_scheduled')} AS avg_days_shipping_scheduled,
       ${n('late_delivery_rate')} AS late_delivery_rate
FROM ${d.table('overall_performance')}
ORDER BY month`,
    retention: `
SELECT ${d.text('month')} AS month,
       ${n('active_customers')} AS active_customers,
       ${n('new_customers')} AS new_customers,
       ${n('returning_customers')} AS returning_customers,
       ${n('retained_customers')} AS retained_customers,
       ${n('retention_rate')} AS retention_rate
FROM ${d.table('customer_retention')}
ORDER BY month`,
    shippingDelays: `
SELECT delivery_status,
       shipping_mode,
       ${n('item_count')} AS item_count,
       ${n('avg_delay_days')} AS avg_delay_days,
       ${n('late_rate')} AS late_rate
FROM ${d.table('shipping_delays')}
ORDER BY shipping_mode, delivery_status`,
    // fulfilment_rate is fulfilled items ÷ items per row, so items × rate adds up the fulfilled items.
    commitments: `
SELECT department_name,
       ${n('SUM(item_count)')} AS item_count,
       ${n('SUM(net_sales)')} AS net_sales,
       ${n('SUM(open_commitments)')} AS open_commitments,
       ${n('SUM(fulfilled_sales)')} AS fulfilled_sales,
       ${n('SUM(fulfilment_rate * item_count) / NULLIF(SUM(item_count), 0)')} AS fulfilment_rate
FROM ${d.table('financial_commitments')}
GROUP BY department_name
ORDER BY net_sales DESC, department_name`,
    flaggedCustomers: `
SELECT ${d.text('customer_id')} AS customer_id,
       ${n('order_count')} AS order_count,
       ${n('suspected_fraud_orders')} AS suspected_fraud_orders,
       ${n('fraud_order_rate')} AS fraud_order_rate,
       ${n('total_spend')} AS total_spend,
       ${n('transfer_order_share')} AS transfer_order_share,
       is_flagged
FROM ${d.table('fraud_detection')}
WHERE suspected_fraud_orders > 0
ORDER BY suspected_fraud_orders DESC, total_spend DESC, customer_id
LIMIT ${FLAGGED_CUSTOMERS_SHOWN}`,
    // The late-delivery rate of all items: each month's mean weighted by its items.
    summary: `
SELECT p.total_net_sales, p.total_profit, p.profit_margin, p.items, p.orders, p.latest_month,
       p.late_delivery_rate, c.customers, c.flagged_customers
FROM (
  SELECT ${n('SUM(net_sales)')} AS total_net_sales,
         ${n('SUM(profit)')} AS total_profit,
         ${n('SUM(profit) / NULLIF(SUM(net_sales), 0)')} AS profit_margin,
         ${n('SUM(item_count)')} AS items,
         ${n('SUM(order_count)')} AS orders,
         ${d.text('MAX(month)')} AS latest_month,
         ${n('SUM(late_delivery_rate * item_count) / NULLIF(SUM(item_count), 0)')} AS late_delivery_rate
  FROM ${d.table('overall_performance')}
) AS p
CROSS JOIN (
  SELECT ${n('COUNT(*)')} AS customers,
         ${n('SUM(CASE WHEN is_flagged THEN 1 ELSE 0 END)')} AS flagged_customers
  FROM ${d.table('fraud_detection')}
) AS c`,
  };
}

/** The gold data behind each chart and the KPI summary. */
export interface GoldQueries {
  /** Monthly net sales, profit and margin (`gold.overall_performance`), oldest month first. */
  performance(): Promise<MonthlyPerformance[]>;
  /** The retention curve (`gold.customer_retention`), oldest month first. */
  retention(): Promise<RetentionMonth[]>;
  /** Delay and late rate per shipping mode and delivery status (`gold.shipping_delays`). */
  shippingDelays(): Promise<ShippingDelay[]>;
  /** Open and fulfilled commitments per department (`gold.financial_commitments`), largest first. */
  commitments(): Promise<DepartmentCommitments[]>;
  /** The most flagged customers (`gold.fraud_detection`): by suspected-fraud orders, then spend. */
  flaggedCustomers(): Promise<FlaggedCustomer[]>;
  /** The headline KPIs. */
  summary(): Promise<KpiSummary>;
}

function parseRows<T>(schema: z.ZodType<T>, rows: readonly unknown[], what: string): T[] {
  const parsed = z.array(schema).safeParse(rows);
  if (parsed.success) return parsed.data;
  const issue = parsed.error.issues[0];
  throw new DashboardError(
    'LS_DASHBOARD_QUERY_FAILED',
    `${what}: rows do not follow the gold contract (${issue?.path.join('.')}: ${issue?.message})`,
    { cause: parsed.error },
  );
}

/** The chart queries against one warehouse. */
export function createGoldQueries(warehouse: Warehouse): GoldQueries {
  const sql = goldSql(warehouse.dialect);
  const run = async <T>(schema: z.ZodType<T>, text: string, what: string) =>
    parseRows(schema, await warehouse.query(text), what);
  return {
    performance: () => run(MonthlyPerformanceSchema, sql.performance, 'overall_performance'),
    retention: () => run(RetentionMonthSchema, sql.retention, 'customer_retention'),
    shippingDelays: () => run(ShippingDelaySchema, sql.shippingDelays, 'shipping_delays'),
    commitments: () => run(DepartmentCommitmentsSchema, sql.commitments, 'financial_commitments'),
    flaggedCustomers: () => run(FlaggedCustomerSchema, sql.flaggedCustomers, 'fraud_detection'),
    async summary() {
      const [row] = await run(KpiSummarySchema, sql.summary, 'summary');
      if (row === undefined) {
        throw new DashboardError('LS_DASHBOARD_QUERY_FAILED', 'summary: the query returned no row');
      }
      return row;
    },
  };
}
