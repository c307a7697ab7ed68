/**
 * The generator's promises, checked on a 20,000-row file read back the way the producer will read
 * it: csv-parse over latin-1 text, then @lakestream/schema.
 */
import {
  checkHeader,
  MARKETS,
  ORDER_STATUSES,
  type OrderItemEvent,
  parseOrderItemRow,
} from '@lakestream/schema';
import { parse } from 'csv-parse/sync';
import { beforeAll, describe, expect, it } from 'vitest';
import { type CsvSummary, generateCsvChunks, generateOrderItems, PRODUCTS } from '../src/index.js';

const ROWS = 20_000;
const SEED = 7;

let bytes: Buffer;
let summary: CsvSummary;
let records: string[][];
let events: OrderItemEvent[];

function csv(
  rows: number,
  seed: number,
  chunkBytes?: number,
): { bytes: Buffer; summary: CsvSummary } {
  const chunks: Buffer[] = [];
  const generator = generateCsvChunks({ rows, seed, chunkBytes });
  for (;;) {
    const next = generator.next();
    if (next.done) return { bytes: Buffer.concat(chunks), summary: next.value };
    chunks.push(next.value);
  }
}

/** Cents of a decimal with at most two places. */
const cents = (value: number) => Math.round(value * 100);

/**
 * The first few events that break a rule, each with what was wrong; [] when all keep it. Checking
 * 20,000 events with one `expect` each would spend seconds in the assertion library alone.
 */
function breaches(rule: (event: OrderItemEvent) => string | false | undefined): string[] {
  const found: string[] = [];
  for (const event of events) {
    const problem = rule(event);
    if (problem && found.push(`order item ${event.order_item_id}: ${problem}`) >= 5) break;
  }
  return found;
}

function differ(label: string, a: unknown, b: unknown): string | false {
  return a !== b && `${label}: ${String(a)} ≠ ${String(b)}`;
}

function groupBy<K>(key: (event: OrderItemEvent) => K): Map<K, OrderItemEvent[]> {
  const groups = new Map<K, OrderItemEvent[]>();
  for (const event of events) {
    const k = key(event);
    const group = groups.get(k);
    if (group) group.push(event);
    else groups.set(k, [event]);
  }
  return groups;
}

beforeAll(() => {
  ({ bytes, summary } = csv(ROWS, SEED));
  records = parse(bytes.toString('latin1'));
  events = records.slice(1).map((fields, i) => {
    const result = parseOrderItemRow(fields, {
      file: 'generated.csv',
      row: i + 1,
      ingestedAt: '2024-01-01T00:00:00.000Z',
    });
    if (!result.ok) throw new Error(JSON.stringify(result.problems));
    return result.event;
  });
});

describe('generated file: format', () => {
  it('has the exact DataCo header and one valid record per row', () => {
    expect(checkHeader(records[0]!).ok).toBe(true);
    expect(events).toHaveLength(ROWS);
    expect(summary.rows).toBe(ROWS);
    expect(summary.bytes).toBe(bytes.length);
  });

  it('reads back through csv-parse as exactly the generated fields (quoting round-trips)', () => {
    // This also proves every generated character is latin-1: the encoder would mangle any other.
    const generated = [...generateOrderItems({ rows: ROWS, seed: SEED })];
    expect(records.slice(1)).toEqual(generated);
  });

  it('quotes the fields that hold commas or quotes, and nothing else', () => {
    const text = bytes.toString('latin1');
    const quoted = text.match(/(?<=^|,)"(?:[^"]|"")*"(?=,|\n)/gm) ?? [];
    expect(quoted.length).toBeGreaterThan(0);
    expect(quoted.filter((field) => !/[,"]/.test(field.slice(1, -1)))).toEqual([]);
    const fields = records.slice(1).flat();
    expect(fields.some((field) => /, Apt \d+$/.test(field))).toBe(true); // customer street
    expect(fields.includes('Washington, D.C.')).toBe(true); // order city
    expect(fields.some((field) => field.includes(','))).toBe(true);
    expect(fields.some((field) => field.includes('"'))).toBe(true); // product name
  });

  it('is latin-1: accented letters are single bytes, no UTF-8 sequences', () => {
    expect(bytes.includes(0xe9) && bytes.includes(0xf3) && bytes.includes(0xe1)).toBe(true);
    expect(() => new TextDecoder('utf-8', { fatal: true }).decode(bytes)).toThrow();
    expect(Buffer.from(bytes.toString('latin1'), 'latin1').equals(bytes)).toBe(true);
    const places = new Set(events.flatMap((e) => [e.order_city, e.order_country, e.order_state]));
    for (const name of [
      'México',
      'Japón',
      'Rajastán',
      'Perú',
      'São Paulo',
      'Santo Domingo',
      'Los Ángeles',
    ]) {
      expect(places.has(name), name).toBe(true);
    }
  });

  it('uses LF line ends and ends with one', () => {
    expect(bytes.includes('\r')).toBe(false);
    expect(bytes.at(-1)).toBe(0x0a);
  });
});

describe('generated file: determinism', () => {
  it('gives identical bytes for the same seed, whatever the chunk size', () => {
    const reference = csv(3_000, 99).bytes;
    expect(csv(3_000, 99).bytes.equals(reference)).toBe(true);
    expect(csv(3_000, 99, 4096).bytes.equals(reference)).toBe(true);
  });

  it('gives different bytes for a different seed', () => {
    expect(csv(3_000, 99).bytes.equals(csv(3_000, 100).bytes)).toBe(false);
  });

  it('writes just the header for zero rows and rejects bad options', () => {
    expect(csv(0, 1).bytes.toString('latin1').split('\n')).toHaveLength(2);
    expect(csv(1, 1).summary).toEqual({
      rows: 1,
      orders: 1,
      customers: 1,
      bytes: csv(1, 1).bytes.length,
    });
    expect(() => generateOrderItems({ rows: -1, seed: 1 }).next()).toThrow(/rows/);
    expect(() => generateOrderItems({ rows: 1.5, seed: 1 }).next()).toThrow(/rows/);
    expect(() => generateOrderItems({ rows: 1, seed: 2 ** 32 }).next()).toThrow(/seed/);
    expect(() => generateOrderItems({ rows: 1, seed: -1 }).next()).toThrow(/seed/);
  });
});

describe('generated file: arithmetic and redundant columns', () => {
  it('repeats the redundant column pairs exactly', () => {
    expect(
      breaches(
        (e) =>
          differ('Order Customer Id', e.order_customer_id, e.customer_id) ||
          differ('Order Item Cardprod Id', e.order_item_cardprod_id, e.product_card_id) ||
          differ('Product Category Id', e.product_category_id, e.category_id) ||
          differ('Sales per customer', e.sales_per_customer, e.order_item_total) ||
          differ('Benefit per order', e.benefit_per_order, e.order_profit_per_order) ||
          differ('Product Price', e.product_price, e.order_item_product_price),
      ),
    ).toEqual([]);
  });

  it('keeps the money arithmetic exact to the cent', () => {
    expect(
      breaches((e) => {
        const sales = cents(e.sales);
        const discount = cents(e.order_item_discount);
        const total = cents(e.order_item_total);
        const profit = cents(e.order_profit_per_order);
        return (
          differ('Sales', sales, cents(e.order_item_product_price) * e.order_item_quantity) ||
          differ('Order Item Total', total, sales - discount) ||
          (Math.abs(discount - sales * e.order_item_discount_rate) > 0.5 + 1e-9 &&
            `discount ${discount}¢ is not ${e.order_item_discount_rate} of ${sales}¢`) ||
          (Math.abs(profit - total * e.order_item_profit_ratio) > 0.5 + 1e-9 &&
            `profit ${profit}¢ is not ${e.order_item_profit_ratio} of ${total}¢`)
        );
      }),
    ).toEqual([]);
  });

  it('writes money and rates with exactly two decimals, without float noise', () => {
    const header = records[0]!;
    const columns = [
      'Benefit per order',
      'Sales per customer',
      'Order Item Discount',
      'Order Item Discount Rate',
      'Order Item Product Price',
      'Order Item Profit Ratio',
      'Sales',
      'Order Item Total',
      'Order Profit Per Order',
      'Product Price',
    ].map((name) => header.indexOf(name));
    const bad = records
      .slice(1)
      .flatMap((fields) => columns.map((i) => fields[i]!))
      .filter((text) => !/^-?\d+\.\d\d$/.test(text));
    expect(bad).toEqual([]);
  });
});

describe('generated file: shape of the real dataset', () => {
  it('has about 2.7 items per order and 8.7 items per customer', () => {
    const orders = groupBy((e) => e.order_id);
    const customers = groupBy((e) => e.customer_id);
    expect(orders.size).toBe(summary.orders);
    expect(customers.size).toBe(summary.customers);
    expect(ROWS / orders.size).toBeGreaterThan(2.55);
    expect(ROWS / orders.size).toBeLessThan(2.85);
    expect(ROWS / customers.size).toBeGreaterThan(8.0);
    expect(ROWS / customers.size).toBeLessThan(9.4);
    const sizes = new Set([...orders.values()].map((items) => items.length));
    expect([...sizes].sort()).toEqual([1, 2, 3, 4, 5]);
  });

  it('sells all 118 products in 50 categories and 11 departments, to all 5 markets', () => {
    expect(new Set(events.map((e) => e.product_card_id)).size).toBe(118);
    expect(new Set(events.map((e) => e.category_id)).size).toBe(50);
    expect(new Set(events.map((e) => e.department_id)).size).toBe(11);
    expect(new Set(events.map((e) => e.market))).toEqual(new Set(MARKETS));
  });

  it('keeps each product’s name, price, image, category and department fixed', () => {
    const byCard = new Map(PRODUCTS.map((p) => [p.cardId, p]));
    expect(
      breaches((e) => {
        const p = byCard.get(e.product_card_id)!;
        return (
          differ('name', e.product_name, p.name) ||
          differ('price', cents(e.product_price), p.priceCents) ||
          differ('image', e.product_image, p.image) ||
          differ('category', e.category_id, p.categoryId) ||
          differ('category name', e.category_name, p.categoryName) ||
          differ('department', e.department_id, p.departmentId) ||
          differ('department name', e.department_name, p.departmentName)
        );
      }),
    ).toEqual([]);
  });

  it('uses all 9 order statuses in roughly the real mix', () => {
    const orders = [...groupBy((e) => e.order_id).values()].map((items) => items[0]!);
    const share = (status: string) =>
      orders.filter((o) => o.order_status === status).length / orders.length;
    expect(new Set(orders.map((o) => o.order_status))).toEqual(new Set(ORDER_STATUSES));
    expect(share('COMPLETE')).toBeCloseTo(0.33, 1);
    expect(share('PENDING_PAYMENT')).toBeCloseTo(0.22, 1);
    expect(share('SUSPECTED_FRAUD')).toBeGreaterThan(0.01);
    expect(share('PAYMENT_REVIEW')).toBeGreaterThan(0.003);
    expect(share('PAYMENT_REVIEW')).toBeLessThan(0.02);
  });

  it('pays every suspected fraud by TRANSFER, and uses all four payment types', () => {
    expect(events.some((e) => e.order_status === 'SUSPECTED_FRAUD')).toBe(true);
    expect(
      breaches((e) => e.order_status === 'SUSPECTED_FRAUD' && differ('Type', e.type, 'TRANSFER')),
    ).toEqual([]);
    expect(new Set(events.map((e) => e.type))).toEqual(
      new Set(['DEBIT', 'TRANSFER', 'CASH', 'PAYMENT']),
    );
  });

  it('shares order-level values across all items of an order, with distinct products', () => {
    const orderFields = [
      'type',
      'order_status',
      'order_date',
      'shipping_date',
      'customer_id',
      'customer_fname',
      'customer_lname',
      'customer_street',
      'customer_segment',
      'market',
      'order_region',
      'order_country',
      'order_state',
      'order_city',
      'order_zipcode',
      'shipping_mode',
      'delivery_status',
      'days_for_shipping_real',
      'days_for_shipment_scheduled',
      'late_delivery_risk',
      'latitude',
      'longitude',
    ] as const;
    const bad: string[] = [];
    for (const [orderId, items] of groupBy((e) => e.order_id)) {
      for (const field of orderFields) {
        if (new Set(items.map((e) => e[field])).size !== 1) bad.push(`order ${orderId}: ${field}`);
      }
      if (new Set(items.map((e) => e.product_card_id)).size !== items.length) {
        bad.push(`order ${orderId}: repeated product`);
      }
    }
    expect(bad.slice(0, 5)).toEqual([]);
  });

  it('derives delivery status and late risk from the shipping days and the status', () => {
    const scheduledByMode = {
      'Same Day': 0,
      'First Class': 1,
      'Second Class': 2,
      'Standard Class': 4,
    };
    expect(
      breaches((e) => {
        const canceled = e.order_status === 'CANCELED' || e.order_status === 'SUSPECTED_FRAUD';
        const expected = canceled
          ? 'Shipping canceled'
          : e.days_for_shipping_real > e.days_for_shipment_scheduled
            ? 'Late delivery'
            : e.days_for_shipping_real < e.days_for_shipment_scheduled
              ? 'Advance shipping'
              : 'Shipping on time';
        return (
          differ(
            'scheduled days',
            e.days_for_shipment_scheduled,
            scheduledByMode[e.shipping_mode],
          ) ||
          differ('Delivery Status', e.delivery_status, expected) ||
          differ('Late_delivery_risk', e.late_delivery_risk, expected === 'Late delivery' ? 1 : 0)
        );
      }),
    ).toEqual([]);
    expect(new Set(events.map((e) => e.delivery_status)).size).toBe(4);
  });

  it('dates orders 1/1/2015–1/31/2018, ships after the real days, and grows Order Id with date', () => {
    let previous: OrderItemEvent | undefined;
    expect(
      breaches((e) => {
        const shippedAfter = Date.parse(e.shipping_date) - Date.parse(e.order_date);
        const problem =
          (e.order_date < '2015-01-01T00:00:00.000Z' && 'order before 2015') ||
          (e.order_date > '2018-01-31T23:59:00.000Z' && 'order after January 2018') ||
          differ('shipping delay', shippedAfter, e.days_for_shipping_real * 86_400_000) ||
          (previous !== undefined &&
            e.order_id !== previous.order_id &&
            (e.order_id < previous.order_id || e.order_date < previous.order_date) &&
            `order ${e.order_id} is not after order ${previous.order_id}`);
        previous = e;
        return problem;
      }),
    ).toEqual([]);
    expect(events[0]!.order_date.slice(0, 7)).toBe('2015-01');
    expect(events.at(-1)!.order_date.slice(0, 7)).toBe('2018-01');
  });

  it('numbers order items uniquely and keeps quantities within 1–5', () => {
    expect(new Set(events.map((e) => e.order_item_id)).size).toBe(ROWS);
    expect(new Set(events.map((e) => e.order_item_quantity))).toEqual(new Set([1, 2, 3, 4, 5]));
  });

  it('masks emails and passwords, leaves descriptions empty and products available', () => {
    expect(
      breaches(
        (e) =>
          differ('email', e.customer_email, 'XXXXXXXXX') ||
          differ('password', e.customer_password, 'XXXXXXXXX') ||
          differ('description', e.product_description, null) ||
          differ('product status', e.product_status, 0),
      ),
    ).toEqual([]);
  });

  it('leaves Order Zipcode empty in ~86% of rows (all but US orders), a few last names empty', () => {
    const emptyZip = events.filter((e) => e.order_zipcode === null).length / ROWS;
    expect(emptyZip).toBeGreaterThan(0.8);
    expect(emptyZip).toBeLessThan(0.92);
    expect(
      breaches((e) =>
        differ('has Order Zipcode', e.order_zipcode !== null, e.order_country === 'Estados Unidos'),
      ),
    ).toEqual([]);
    const emptyLastName = events.filter((e) => e.customer_lname === null).length;
    expect(emptyLastName).toBeGreaterThan(0);
    expect(emptyLastName / ROWS).toBeLessThan(0.01);
  });
});
