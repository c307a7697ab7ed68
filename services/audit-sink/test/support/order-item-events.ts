import { ORDER_STATUSES, type OrderItemEvent, type OrderStatus } from '@lakestream/schema';

const CITIES = ['Caguas', 'Bekasi', 'San José', 'Zürich', 'Chicago', 'Los Angeles'];
const PRODUCTS = [
  { id: 1360, name: 'Smart watch ', price: 327.75, category: 73, categoryName: 'Sporting Goods' },
  {
    id: 365,
    name: 'Perfect Fitness Perfect Rip Deck',
    price: 59.99,
    category: 17,
    categoryName: 'Cleats',
  },
  {
    id: 957,
    name: "Diamondback Women's Serene Classic Comfort Bi",
    price: 299.98,
    category: 43,
    categoryName: 'Camping & Hiking',
  },
  {
    id: 1014,
    name: "O'Brien Men's Neoprene Life Vest",
    price: 49.98,
    category: 46,
    categoryName: "Women's Apparel",
  },
];
const BASE_ORDER_DATE = Date.UTC(2015, 0, 1);

/** Options of `orderItemEvents`. */
export interface EventsOptions {
  /** First order item id (ids are consecutive). */
  firstItemId?: number;
  /** Status of every event; default cycles through the known statuses. */
  status?: OrderStatus;
  /** `ingested_at` of every event. */
  ingestedAt?: string;
}

/**
 * `count` OrderItemEvents shaped like the producer's (all 53 fields, `source`, `ingested_at`),
 * deterministic for the same arguments. Orders hold 1–4 items with consecutive item ids, so the
 * Order Id key sends all items of an order – and every later version of them – to one partition.
 * Typed against `OrderItemEvent`, so a change of the schema shows up here at compile time.
 */
export function orderItemEvents(count: number, options: EventsOptions = {}): OrderItemEvent[] {
  const first = options.firstItemId ?? 1;
  const ingestedAt = options.ingestedAt ?? '2024-05-01T12:00:00.000Z';
  const events: OrderItemEvent[] = [];
  for (let i = 0; i < count; i++) {
    const itemId = first + i;
    const orderId = 10_000 + Math.floor(itemId / 4);
    const product = PRODUCTS[itemId % PRODUCTS.length]!;
    const quantity = 1 + (itemId % 5);
    const orderDate = new Date(BASE_ORDER_DATE + orderId * 3_600_000).toISOString();
    const sales = Math.round(product.price * quantity * 100) / 100;
    events.push({
      schema_version: 1,
      type: 'DEBIT',
      days_for_shipping_real: itemId % 7,
      days_for_shipment_scheduled: 4,
      benefit_per_order: 91.25,
      sales_per_customer: sales,
      delivery_status: 'Advance shipping',
      late_delivery_risk: itemId % 2 === 0 ? 0 : 1,
      category_id: product.category,
      category_name: product.categoryName,
      customer_city: CITIES[orderId % CITIES.length]!,
      customer_country: 'Puerto Rico',
      customer_email: 'XXXXXXXXX',
      customer_fname: 'Cally',
      customer_id: 20_000 + (orderId % 5_000),
      customer_lname: 'Holloway',
      customer_password: 'XXXXXXXXX',
      customer_segment: 'Consumer',
      customer_state: 'PR',
      customer_street: '5365 Noble Nectar Island',
      customer_zipcode: '725',
      department_id: 2,
      department_name: 'Fitness',
      latitude: 18.2514534,
      longitude: -66.03705597,
      market: 'Pacific Asia',
      order_city: CITIES[(orderId + 1) % CITIES.length]!,
      order_country: 'Indonesia',
      order_customer_id: 20_000 + (orderId % 5_000),
      order_date: orderDate,
      order_id: orderId,
      order_item_cardprod_id: product.id,
      order_item_discount: 13.10999966,
      order_item_discount_rate: 0.039999999,
      order_item_id: itemId,
      order_item_product_price: product.price,
      order_item_profit_ratio: 0.289999992,
      order_item_quantity: quantity,
      sales,
      order_item_total: sales,
      order_profit_per_order: 91.25,
      order_region: 'Southeast Asia',
      order_state: 'Java Occidental',
      order_status: options.status ?? ORDER_STATUSES[orderId % ORDER_STATUSES.length]!,
      order_zipcode: null,
      product_card_id: product.id,
      product_category_id: product.category,
      product_description: null,
      product_image: `http://images.acmesports.sports/${encodeURIComponent(product.name)}`,
      product_name: product.name,
      product_price: product.price,
      product_status: 0,
      shipping_date: new Date(Date.parse(orderDate) + 3 * 86_400_000).toISOString(),
      shipping_mode: 'Standard Class',
      source: { file: 'DataCoSupplyChainDataset.csv', row: itemId },
      ingested_at: ingestedAt,
    });
  }
  return events;
}

/** The Kafka message of an event: keyed by Order Id, as the producer keys it. */
export function toMessage(event: OrderItemEvent): { key: string; value: string } {
  return { key: String(event.order_id), value: JSON.stringify(event) };
}
