/**
 * Small, consistent star-schema rows for tests: every fact row's keys resolve to dimension rows
 * built by the same helpers.
 */
import { createHash } from 'node:crypto';
import type { Row } from './silver-writer.js';

export function customer(id: number, overrides: Row = {}): Row {
  return {
    customer_id: id,
    first_name: `Cliente${id}`,
    last_name: id % 7 === 0 ? null : `Pérez${id}`,
    segment: ['Consumer', 'Corporate', 'Home Office'][id % 3]!,
    street: `${id} Calle Mayor`,
    city: 'Caguas',
    state: 'PR',
    country: 'Puerto Rico',
    zipcode: String(725 + (id % 10)),
    ...overrides,
  };
}

export function product(id: number, overrides: Row = {}): Row {
  return {
    product_card_id: id,
    product_name: `Producto ${id}`,
    product_price: 10 + id,
    product_status: 0,
    product_image: `http://images.example/${id}.jpg`,
    category_id: 1 + (id % 4),
    category_name: `Categoría ${1 + (id % 4)}`,
    department_id: 1 + (id % 2),
    department_name: `Departamento ${1 + (id % 2)}`,
    ...overrides,
  };
}

const GEOGRAPHY = ['Santo Domingo', 'República Dominicana', 'Caribe', 'LATAM', 'Santo Domingo'];

export function geographyKey(n: number): string {
  return createHash('md5')
    .update(`${GEOGRAPHY.join('\u001f')}\u001f${n}`)
    .digest('hex');
}

export function geography(n: number): Row {
  return {
    geography_key: geographyKey(n),
    order_city: `Ciudad ${n}`,
    order_state: GEOGRAPHY[0]!,
    order_country: GEOGRAPHY[1]!,
    order_region: GEOGRAPHY[2]!,
    market: GEOGRAPHY[3]!,
    order_zipcode: n % 2 === 0 ? null : String(10_000 + n),
  };
}

/** A dim_date row of a day given as `YYYY-MM-DD`. */
export function date(day: string): Row {
  const d = new Date(`${day}T00:00:00Z`);
  const isoDay = d.getUTCDay() === 0 ? 7 : d.getUTCDay();
  const thursday = new Date(d);
  thursday.setUTCDate(d.getUTCDate() + 4 - isoDay);
  const yearStart = Date.UTC(thursday.getUTCFullYear(), 0, 1);
  const week = Math.ceil(((thursday.getTime() - yearStart) / 86_400_000 + 1) / 7);
  return {
    date_key: Number(day.replaceAll('-', '')),
    date: day,
    year: d.getUTCFullYear(),
    quarter: Math.floor(d.getUTCMonth() / 3) + 1,
    month: d.getUTCMonth() + 1,
    month_start: `${day.slice(0, 7)}-01`,
    day_of_month: d.getUTCDate(),
    day_of_week: isoDay,
    iso_week: week,
    is_weekend: isoDay >= 6,
  };
}

export interface ItemSpec {
  id: number;
  offset: number;
  customer: number;
  product: number;
  geography: number;
  /** `YYYY-MM-DD`. */
  orderDay: string;
  shippingDay: string;
  status?: string;
  quantity?: number;
  batch: string;
}

export function item(spec: ItemSpec): Row {
  const quantity = spec.quantity ?? 1 + (spec.id % 3);
  const price = 10 + spec.product;
  const sales = price * quantity;
  const discount = Math.round(sales * 0.05 * 100) / 100;
  return {
    order_item_id: spec.id,
    order_id: 1000 + Math.floor(spec.id / 3),
    customer_id: spec.customer,
    product_card_id: spec.product,
    geography_key: geographyKey(spec.geography),
    order_date_key: Number(spec.orderDay.replaceAll('-', '')),
    shipping_date_key: Number(spec.shippingDay.replaceAll('-', '')),
    order_ts: `${spec.orderDay} 10:15:00`,
    shipping_ts: `${spec.shippingDay} 08:00:00`,
    order_month: `${spec.orderDay.slice(0, 7)}-01`,
    quantity,
    product_price: price,
    discount,
    discount_rate: 0.05,
    sales,
    item_total: sales - discount,
    profit: 3.25,
    profit_ratio: 0.1,
    days_shipping_real: 3,
    days_shipping_scheduled: 4,
    delivery_status: 'Shipping on time',
    late_delivery_risk: 0,
    order_status: spec.status ?? 'PENDING',
    payment_type: 'DEBIT',
    shipping_mode: 'Standard Class',
    customer_segment: 'Consumer',
    kafka_topic: 'lakestream.order_items.v1',
    kafka_partition: spec.id % 3,
    kafka_offset: spec.offset,
    kafka_timestamp: `${spec.orderDay} 10:15:01`,
    silver_batch_id: spec.batch,
  };
}
