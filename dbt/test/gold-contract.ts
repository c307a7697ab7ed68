/**
 * The gold contract of issue 5 as data: each table of schema `gold` with its columns in order
 * (grain first). Other tools read these names; the test checks the built tables against them.
 */
export const GOLD_CONTRACT = {
  customer_retention: [
    'month',
    'active_customers',
    'new_customers',
    'returning_customers',
    'retained_customers',
    'retention_rate',
  ],
  financial_commitments: [
    'department_name',
    'market',
    'category_name',
    'item_count',
    'net_sales',
    'open_commitments',
    'fulfilled_sales',
    'fulfilment_rate',
  ],
  fraud_detection: [
    'customer_id',
    'order_count',
    'suspected_fraud_orders',
    'fraud_order_rate',
    'total_spend',
    'transfer_order_share',
    'is_flagged',
  ],
  inventory_levels: [
    'product_card_id',
    'month',
    'product_name',
    'category_name',
    'units_sold',
    'order_count',
    'net_sales',
    'cumulative_units',
  ],
  overall_performance: [
    'month',
    'order_count',
    'item_count',
    'net_sales',
    'profit',
    'profit_margin',
    'avg_days_shipping_real',
    'avg_days_shipping_scheduled',
    'late_delivery_rate',
  ],
  payment_delays: [
    'market',
    'payment_type',
    'order_count',
    'awaiting_payment_orders',
    'awaiting_payment_amount',
    'awaiting_share',
  ],
  shipping_delays: [
    'delivery_status',
    'shipping_mode',
    'item_count',
    'avg_delay_days',
    'late_rate',
  ],
} as const satisfies Record<string, readonly string[]>;

/** A gold table name. */
export type GoldTable = keyof typeof GOLD_CONTRACT;

/** The grain (primary key columns) of each gold table. */
export const GOLD_GRAIN: Readonly<Record<GoldTable, readonly string[]>> = {
  customer_retention: ['month'],
  financial_commitments: ['department_name', 'market', 'category_name'],
  fraud_detection: ['customer_id'],
  inventory_levels: ['product_card_id', 'month'],
  overall_performance: ['month'],
  payment_delays: ['market', 'payment_type'],
  shipping_delays: ['delivery_status', 'shipping_mode'],
};
