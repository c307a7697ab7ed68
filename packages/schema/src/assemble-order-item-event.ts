import { type OrderItemEvent, SCHEMA_VERSION, type SourcePosition } from './order-item-event.js';

/**
 * Builds the event from the parsed values of one row (index = column position in
 * `ORDER_ITEM_COLUMNS`).
 *
 * Written out as one object literal on purpose: V8 gives a literal a fixed shape up front, while
 * adding 56 properties in a loop (`event[field] = value`) turns the object into a slow dictionary —
 * measured at 20x the cost, which alone would cap the producer well below its 180k rows/s target.
 * The index ↔ field pairing is pinned by a test that changes one column at a time.
 */
export function assembleOrderItemEvent(
  values: readonly unknown[],
  source: SourcePosition,
  ingestedAt: string,
): OrderItemEvent {
  // The column parsers already produced the right type for each position; `never` lets the
  // compiler check the literal's set of keys against OrderItemEvent without 53 separate casts.
  const v = values as readonly never[];
  return {
    schema_version: SCHEMA_VERSION,
    type: v[0],
    days_for_shipping_real: v[1],
    days_for_shipment_scheduled: v[2],
    benefit_per_order: v[3],
    sales_per_customer: v[4],
    delivery_status: v[5],
    late_delivery_risk: v[6],
    category_id: v[7],
    category_name: v[8],
    customer_city: v[9],
    customer_country: v[10],
    customer_email: v[11],
    customer_fname: v[12],
    customer_id: v[13],
    customer_lname: v[14],
    customer_password: v[15],
    customer_segment: v[16],
    customer_state: v[17],
    customer_street: v[18],
    customer_zipcode: v[19],
    department_id: v[20],
    department_name: v[21],
    latitude: v[22],
    longitude: v[23],
    market: v[24],
    order_city: v[25],
    order_country: v[26],
    order_customer_id: v[27],
    order_date: v[28],
    order_id: v[29],
    order_item_cardprod_id: v[30],
    order_item_discount: v[31],
    order_item_discount_rate: v[32],
    order_item_id: v[33],
    order_item_product_price: v[34],
    order_item_profit_ratio: v[35],
    order_item_quantity: v[36],
    sales: v[37],
    order_item_total: v[38],
    order_profit_per_order: v[39],
    order_region: v[40],
    order_state: v[41],
    order_status: v[42],
    order_zipcode: v[43],
    product_card_id: v[44],
    product_category_id: v[45],
    product_description: v[46],
    product_image: v[47],
    product_name: v[48],
    product_price: v[49],
    product_status: v[50],
    shipping_date: v[51],
    shipping_mode: v[52],
    source,
    ingested_at: ingestedAt,
  };
}
