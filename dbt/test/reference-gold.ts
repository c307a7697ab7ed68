/**
 * The gold tables computed straight from the CSV rows in TypeScript, from the contract's words
 * alone, as the independent side of the comparison in gold.test.ts. Deliberately naive: maps and
 * sets, no shared code with the SQL.
 */
import { readFile } from 'node:fs/promises';
import { parse } from 'csv-parse/sync';
import type { GoldTable } from './gold-contract.js';

/** One CSV order item, reduced to what gold needs. */
export interface CsvItem {
  orderId: number;
  customerId: number;
  productCardId: number;
  productName: string;
  categoryName: string;
  departmentName: string;
  market: string;
  /** `YYYY-MM-01` of the order date. */
  month: string;
  status: string;
  paymentType: string;
  shippingMode: string;
  deliveryStatus: string;
  quantity: number;
  itemTotal: number;
  profit: number;
  daysReal: number;
  daysScheduled: number;
  lateRisk: number;
}

/** A gold row: column → value (dates as `YYYY-MM-DD`). */
export type GoldRow = Record<string, string | number | boolean | null>;

/** Reads a DataCo CSV (latin-1) into items. */
export async function readCsvItems(path: string): Promise<CsvItem[]> {
  const text = (await readFile(path)).toString('latin1');
  const records: Record<string, string>[] = parse(text, { columns: true });
  return records.map((r) => {
    // `M/D/YYYY H:MM`
    const [month, , year] = r['order date (DateOrders)']!.split(' ')[0]!.split('/');
    return {
      orderId: Number(r['Order Id']),
      customerId: Number(r['Order Customer Id']),
      productCardId: Number(r['Product Card Id']),
      productName: r['Product Name']!.trim(),
      categoryName: r['Category Name']!.trim(),
      departmentName: r['Department Name']!.trim(),
      market: r.Market!.trim(),
      month: `${year}-${month!.padStart(2, '0')}-01`,
      status: r['Order Status']!,
      paymentType: r.Type!,
      shippingMode: r['Shipping Mode']!,
      deliveryStatus: r['Delivery Status']!,
      quantity: Number(r['Order Item Quantity']),
      itemTotal: Number(r['Order Item Total']),
      profit: Number(r['Order Profit Per Order']),
      daysReal: Number(r['Days for shipping (real)']),
      daysScheduled: Number(r['Days for shipment (scheduled)']),
      lateRisk: Number(r.Late_delivery_risk),
    };
  });
}

const isValid = (s: string) => s !== 'CANCELED' && s !== 'SUSPECTED_FRAUD';
const isOpen = (s: string) =>
  ['PENDING', 'PENDING_PAYMENT', 'PROCESSING', 'ON_HOLD', 'PAYMENT_REVIEW'].includes(s);
const isFulfilled = (s: string) => s === 'COMPLETE' || s === 'CLOSED';
const isAwaiting = (s: string) => s === 'PENDING_PAYMENT' || s === 'PAYMENT_REVIEW';
const ratio = (n: number, d: number) => (d === 0 ? null : n / d);
const sum = (items: readonly CsvItem[], f: (i: CsvItem) => number) =>
  items.reduce((acc, i) => acc + f(i), 0);
const distinctOrders = (items: readonly CsvItem[]) => new Set(items.map((i) => i.orderId)).size;
const mean = (items: readonly CsvItem[], f: (i: CsvItem) => number) => sum(items, f) / items.length;

function groupBy(items: readonly CsvItem[], key: (i: CsvItem) => string): Map<string, CsvItem[]> {
  const groups = new Map<string, CsvItem[]>();
  for (const item of items) {
    const k = key(item);
    const group = groups.get(k);
    if (group) group.push(item);
    else groups.set(k, [item]);
  }
  return groups;
}

/** The first day of the month before `YYYY-MM-01`. */
export function previousMonth(month: string): string {
  const year = Number(month.slice(0, 4));
  const m = Number(month.slice(5, 7));
  return m === 1 ? `${year - 1}-12-01` : `${year}-${String(m - 1).padStart(2, '0')}-01`;
}

function customerRetention(items: readonly CsvItem[]): GoldRow[] {
  const customersByMonth = new Map<string, Set<number>>();
  const firstMonth = new Map<number, string>();
  for (const i of items) {
    if (!customersByMonth.has(i.month)) customersByMonth.set(i.month, new Set());
    customersByMonth.get(i.month)!.add(i.customerId);
    const first = firstMonth.get(i.customerId);
    if (first === undefined || i.month < first) firstMonth.set(i.customerId, i.month);
  }
  return [...customersByMonth].map(([month, active]) => {
    const previous = customersByMonth.get(previousMonth(month));
    const fresh = [...active].filter((c) => firstMonth.get(c) === month).length;
    const retained = previous ? [...active].filter((c) => previous.has(c)).length : 0;
    return {
      month,
      active_customers: active.size,
      new_customers: fresh,
      returning_customers: active.size - fresh,
      retained_customers: retained,
      retention_rate: previous ? retained / previous.size : null,
    };
  });
}

function financialCommitments(items: readonly CsvItem[]): GoldRow[] {
  const groups = groupBy(items, (i) =>
    JSON.stringify([i.departmentName, i.market, i.categoryName]),
  );
  return [...groups.values()].map((g) => ({
    department_name: g[0]!.departmentName,
    market: g[0]!.market,
    category_name: g[0]!.categoryName,
    item_count: g.length,
    net_sales: sum(g, (i) => (isValid(i.status) ? i.itemTotal : 0)),
    open_commitments: sum(g, (i) => (isOpen(i.status) ? i.itemTotal : 0)),
    fulfilled_sales: sum(g, (i) => (isFulfilled(i.status) ? i.itemTotal : 0)),
    fulfilment_rate: ratio(g.filter((i) => isFulfilled(i.status)).length, g.length),
  }));
}

function fraudDetection(items: readonly CsvItem[]): GoldRow[] {
  const groups = groupBy(items, (i) => String(i.customerId));
  return [...groups.values()].map((g) => {
    const orders = distinctOrders(g);
    const fraud = distinctOrders(g.filter((i) => i.status === 'SUSPECTED_FRAUD'));
    return {
      customer_id: g[0]!.customerId,
      order_count: orders,
      suspected_fraud_orders: fraud,
      fraud_order_rate: ratio(fraud, orders),
      total_spend: sum(g, (i) => i.itemTotal),
      transfer_order_share: ratio(
        distinctOrders(g.filter((i) => i.paymentType === 'TRANSFER')),
        orders,
      ),
      is_flagged: fraud > 0,
    };
  });
}

function inventoryLevels(items: readonly CsvItem[]): GoldRow[] {
  const rows: GoldRow[] = [];
  const byProduct = groupBy(
    items.filter((i) => isValid(i.status)),
    (i) => String(i.productCardId),
  );
  for (const productItems of byProduct.values()) {
    const byMonth = [...groupBy(productItems, (i) => i.month)].sort(([a], [b]) => (a < b ? -1 : 1));
    let cumulative = 0;
    for (const [month, g] of byMonth) {
      const units = sum(g, (i) => i.quantity);
      cumulative += units;
      rows.push({
        product_card_id: g[0]!.productCardId,
        month,
        product_name: g[0]!.productName,
        category_name: g[0]!.categoryName,
        units_sold: units,
        order_count: distinctOrders(g),
        net_sales: sum(g, (i) => i.itemTotal),
        cumulative_units: cumulative,
      });
    }
  }
  return rows;
}

function overallPerformance(items: readonly CsvItem[]): GoldRow[] {
  return [...groupBy(items, (i) => i.month)].map(([month, g]) => {
    const netSales = sum(g, (i) => (isValid(i.status) ? i.itemTotal : 0));
    const profit = sum(g, (i) => (isValid(i.status) ? i.profit : 0));
    return {
      month,
      order_count: distinctOrders(g),
      item_count: g.length,
      net_sales: netSales,
      profit,
      profit_margin: ratio(profit, netSales),
      avg_days_shipping_real: mean(g, (i) => i.daysReal),
      avg_days_shipping_scheduled: mean(g, (i) => i.daysScheduled),
      late_delivery_rate: mean(g, (i) => i.lateRisk),
    };
  });
}

function paymentDelays(items: readonly CsvItem[]): GoldRow[] {
  const groups = groupBy(items, (i) => JSON.stringify([i.market, i.paymentType]));
  return [...groups.values()].map((g) => {
    const orders = distinctOrders(g);
    const awaiting = g.filter((i) => isAwaiting(i.status));
    return {
      market: g[0]!.market,
      payment_type: g[0]!.paymentType,
      order_count: orders,
      awaiting_payment_orders: distinctOrders(awaiting),
      awaiting_payment_amount: sum(awaiting, (i) => i.itemTotal),
      awaiting_share: ratio(distinctOrders(awaiting), orders),
    };
  });
}

function shippingDelays(items: readonly CsvItem[]): GoldRow[] {
  const groups = groupBy(items, (i) => JSON.stringify([i.deliveryStatus, i.shippingMode]));
  return [...groups.values()].map((g) => ({
    delivery_status: g[0]!.deliveryStatus,
    shipping_mode: g[0]!.shippingMode,
    item_count: g.length,
    avg_delay_days: mean(g, (i) => i.daysReal - i.daysScheduled),
    late_rate: mean(g, (i) => i.lateRisk),
  }));
}

/** Every gold table computed from the CSV items. */
export function referenceGold(items: readonly CsvItem[]): Record<GoldTable, GoldRow[]> {
  return {
    customer_retention: customerRetention(items),
    financial_commitments: financialCommitments(items),
    fraud_detection: fraudDetection(items),
    inventory_levels: inventoryLevels(items),
    overall_performance: overallPerformance(items),
    payment_delays: paymentDelays(items),
    shipping_delays: shippingDelays(items),
  };
}
