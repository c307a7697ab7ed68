import type { KpiSummary } from './gold-queries.js';

const integer = new Intl.NumberFormat('en-US', { maximumFractionDigits: 0 });
const money = new Intl.NumberFormat('en-US', {
  minimumFractionDigits: 2,
  maximumFractionDigits: 2,
});

function orDash<T>(value: T | null, format: (value: T) => string): string {
  return value === null ? '–' : format(value);
}

function percent(value: number): string {
  return `${(value * 100).toFixed(1)} %`;
}

/**
 * The KPI summary as a few aligned lines of text, for the CLI and `./commands.sh demo`:
 * total net sales, profit margin, items, customers, latest month, flagged customers, late rate.
 */
export function formatSummary(summary: KpiSummary, source: string): string[] {
  const flaggedShare =
    summary.flagged_customers !== null && summary.customers > 0
      ? ` (${percent(summary.flagged_customers / summary.customers)} of customers)`
      : '';
  const orders = summary.orders === null ? '' : ` in ${integer.format(summary.orders)} orders`;
  const rows: [string, string][] = [
    ['Net sales', `${orDash(summary.total_net_sales, (v) => money.format(v))} (valid sales)`],
    ['Profit margin', orDash(summary.profit_margin, percent)],
    ['Order items', `${orDash(summary.items, (v) => integer.format(v))}${orders}`],
    ['Customers', integer.format(summary.customers)],
    ['Latest month', orDash(summary.latest_month, (v) => v.slice(0, 7))],
    [
      'Flagged customers',
      `${orDash(summary.flagged_customers, (v) => integer.format(v))}${flaggedShare}`,
    ],
    ['Late-delivery rate', `${orDash(summary.late_delivery_rate, percent)} of items`],
  ];
  const width = Math.max(...rows.map(([name]) => name.length));
  return [
    `Gold KPIs (${source})`,
    ...rows.map(([name, value]) => `  ${name.padEnd(width)}  ${value}`),
  ];
}
