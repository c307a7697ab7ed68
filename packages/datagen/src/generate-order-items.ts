/**
 * The row generator: DataCo-shaped order items, order by order, from a seed.
 *
 * Everything that belongs to an order in the real file — customer, dates, status, payment type,
 * destination, shipping mode and days, delivery status — is drawn once per order and repeated on
 * each of its items; products, quantities, discounts and profit are drawn per item. Money is
 * computed in cents so the file's arithmetic holds exactly (see fixed-point-format.ts).
 */
import {
  type DeliveryStatus,
  formatDataCoTimestamp,
  type Market,
  type OrderStatus,
  type PaymentType,
  type ShippingMode,
} from '@lakestream/schema';
import { CustomerPool } from './customer-pool.js';
import { formatCents, formatFixed } from './fixed-point-format.js';
import { DESTINATIONS, type Destination, MARKET_WEIGHTS } from './places.js';
import { PRODUCTS, type Product, productPopularity } from './product-catalog.js';
import { SeededRandom, WeightedChoice } from './seeded-random.js';

/** What to generate. */
export interface GenerateOptions {
  /** Number of order-item rows (the real file has 180,519). */
  readonly rows: number;
  /** Unsigned 32-bit seed; the same seed gives the same rows. */
  readonly seed: number;
}

/** Counts of what a run generated. */
export interface GenerationSummary {
  readonly rows: number;
  readonly orders: number;
  readonly customers: number;
}

/** Default row count: the size of the real DataCo file. */
export const DEFAULT_ROWS = 180_519;
/** Default seed. */
export const DEFAULT_SEED = 42;

const MINUTE_MS = 60_000;
const DAY_MS = 86_400_000;
/** Orders are placed from 1/1/2015 0:00 to 1/31/2018 23:59 (UTC), like the real file. */
const FIRST_ORDER_MINUTE = Date.UTC(2015, 0, 1, 0, 0) / MINUTE_MS;
const LAST_ORDER_MINUTE = Date.UTC(2018, 0, 31, 23, 59) / MINUTE_MS;

/** 1–5 items per order, 2.70 on average (the real file: 180,519 items / 65,752 orders ≈ 2.75). */
const ITEMS_PER_ORDER = new WeightedChoice<number>([
  [1, 27],
  [2, 22],
  [3, 20],
  [4, 16],
  [5, 15],
]);
const MEAN_ITEMS_PER_ORDER = 2.7;

/**
 * Chance that an order comes from a new customer. Every new customer is one more customer, so
 * items per customer ≈ items per order / this = 2.7 / 0.3103 ≈ 8.7, as in the real file.
 */
const NEW_CUSTOMER = 2.7 / 8.7;

/** Units per item: mostly one, as in the real file. */
const QUANTITY = new WeightedChoice<number>([
  [1, 55],
  [2, 12],
  [3, 11],
  [4, 11],
  [5, 11],
]);

/** Discount rates the real file uses, in hundredths. */
const DISCOUNT_RATES = [0, 1, 2, 3, 4, 5, 6, 7, 9, 10, 12, 13, 15, 16, 17, 18, 20, 25];

// biome-ignore format: one status per line with its share of orders.
const ORDER_STATUSES = new WeightedChoice<OrderStatus>([
  ['COMPLETE', 33],
  ['PENDING_PAYMENT', 22],
  ['PROCESSING', 12],
  ['PENDING', 11],
  ['CLOSED', 11],
  ['ON_HOLD', 5.5],
  ['SUSPECTED_FRAUD', 2.3],
  ['CANCELED', 2],
  ['PAYMENT_REVIEW', 1],
]);

/** Payment types of orders that are not suspected fraud (those are always TRANSFER). */
const PAYMENT_TYPES = new WeightedChoice<PaymentType>([
  ['DEBIT', 39],
  ['TRANSFER', 26],
  ['PAYMENT', 24],
  ['CASH', 11],
]);

const SHIPPING_MODES = new WeightedChoice<ShippingMode>([
  ['Standard Class', 59.7],
  ['Second Class', 19.5],
  ['First Class', 15.4],
  ['Same Day', 5.4],
]);

/** Scheduled days per mode, and the real days each mode takes in the real file. */
const SHIPPING_DAYS: Readonly<
  Record<ShippingMode, { scheduled: number; real: readonly number[] }>
> = {
  'Standard Class': { scheduled: 4, real: [2, 3, 4, 5, 6] },
  'Second Class': { scheduled: 2, real: [2, 3, 4, 5, 6] },
  // First Class is always late in the real file: scheduled 1 day, shipped in 2.
  'First Class': { scheduled: 1, real: [2] },
  'Same Day': { scheduled: 0, real: [0, 1] },
};

const MARKETS = new WeightedChoice<Market>(MARKET_WEIGHTS);
const DESTINATION_CHOICES = Object.fromEntries(
  Object.entries(DESTINATIONS).map(([market, list]) => [
    market,
    new WeightedChoice(list.map((destination) => [destination, 1] as const)),
  ]),
) as Record<Market, WeightedChoice<Destination>>;

/** Chance that an item's profit ratio is negative (sold at a loss). */
const LOSS = 0.15;
const MASKED = 'XXXXXXXXX';

function deliveryOf(
  status: OrderStatus,
  realDays: number,
  scheduledDays: number,
): [DeliveryStatus, '0' | '1'] {
  if (status === 'CANCELED' || status === 'SUSPECTED_FRAUD') return ['Shipping canceled', '0'];
  if (realDays > scheduledDays) return ['Late delivery', '1'];
  return [realDays < scheduledDays ? 'Advance shipping' : 'Shipping on time', '0'];
}

function checkOptions({ rows, seed }: GenerateOptions): void {
  if (!Number.isSafeInteger(rows) || rows < 0) {
    throw new RangeError(`rows must be a non-negative integer, got ${rows}`);
  }
  if (!Number.isInteger(seed) || seed < 0 || seed > 0xffff_ffff) {
    throw new RangeError(`seed must be an integer from 0 to 4294967295, got ${seed}`);
  }
}

/**
 * Generates `rows` order items as arrays of 53 raw field texts in header order (unquoted: CSV
 * quoting is the writer's job). The generator's return value counts rows, orders and customers.
 */
export function* generateOrderItems(
  options: GenerateOptions,
): Generator<string[], GenerationSummary, undefined> {
  checkOptions(options);
  const { rows, seed } = options;
  const random = new SeededRandom(seed);
  const customers = new CustomerPool(random);
  const popularity = productPopularity();
  const spanMinutes = LAST_ORDER_MINUTE - FIRST_ORDER_MINUTE;
  // Orders are spread evenly over the period by row position, each jittered by up to the mean gap
  // between orders, and kept in order so that Order Id grows with order date.
  const meanGapMinutes = Math.floor((spanMinutes * MEAN_ITEMS_PER_ORDER) / Math.max(rows, 1));
  let previousMinute = FIRST_ORDER_MINUTE;
  let orders = 0;
  let row = 0;
  const orderProducts = new Set<Product>();

  while (row < rows) {
    const itemCount = Math.min(ITEMS_PER_ORDER.draw(random), rows - row);
    orders++;
    const orderId = String(orders);
    const customer =
      customers.size === 0 || random.chance(NEW_CUSTOMER)
        ? customers.create()
        : customers.pickExisting();

    const evenMinute = FIRST_ORDER_MINUTE + Math.floor((row / rows) * spanMinutes);
    const minute = Math.min(
      LAST_ORDER_MINUTE,
      Math.max(previousMinute, evenMinute + random.int(0, meanGapMinutes)),
    );
    previousMinute = minute;

    const status = ORDER_STATUSES.draw(random);
    const paymentType: PaymentType =
      status === 'SUSPECTED_FRAUD' ? 'TRANSFER' : PAYMENT_TYPES.draw(random);
    const destination = DESTINATION_CHOICES[MARKETS.draw(random)].draw(random);
    const orderZipcode =
      destination.zipBase === undefined ? '' : String(destination.zipBase + random.int(0, 40));
    const mode = SHIPPING_MODES.draw(random);
    const days = SHIPPING_DAYS[mode];
    const realDays = random.pick(days.real);
    const [deliveryStatus, lateRisk] = deliveryOf(status, realDays, days.scheduled);
    const orderDate = formatDataCoTimestamp(minute * MINUTE_MS);
    const shippingDate = formatDataCoTimestamp(minute * MINUTE_MS + realDays * DAY_MS);
    const realDaysText = String(realDays);
    const scheduledDaysText = String(days.scheduled);

    orderProducts.clear();
    for (let item = 0; item < itemCount; item++) {
      // One line per product within an order, as a shop would. Redraw a few times to keep the
      // popularity skew; in the rare case that fails, take the next unused product in the catalog.
      let product = popularity.draw(random);
      for (let attempt = 0; attempt < 8 && orderProducts.has(product); attempt++) {
        product = popularity.draw(random);
      }
      for (let i = PRODUCTS.indexOf(product); orderProducts.has(product); ) {
        i = (i + 1) % PRODUCTS.length;
        product = PRODUCTS[i]!;
      }
      orderProducts.add(product);

      const quantity = QUANTITY.draw(random);
      const rateHundredths = random.pick(DISCOUNT_RATES);
      const ratioHundredths = random.chance(LOSS) ? random.int(-150, -1) : random.int(0, 50);
      const salesCents = product.priceCents * quantity;
      const discountCents = Math.round((salesCents * rateHundredths) / 100);
      const totalCents = salesCents - discountCents;
      const profitCents = Math.round((totalCents * ratioHundredths) / 100);

      const price = formatCents(product.priceCents);
      const total = formatCents(totalCents);
      const profit = formatCents(profitCents);
      const cardId = String(product.cardId);
      const categoryId = String(product.categoryId);
      row++;

      // biome-ignore format: one column per line, in header order.
      yield [
        paymentType,                      // Type
        realDaysText,                     // Days for shipping (real)
        scheduledDaysText,                // Days for shipment (scheduled)
        profit,                           // Benefit per order
        total,                            // Sales per customer
        deliveryStatus,                   // Delivery Status
        lateRisk,                         // Late_delivery_risk
        categoryId,                       // Category Id
        product.categoryName,             // Category Name
        customer.place.city,              // Customer City
        customer.place.country,           // Customer Country
        MASKED,                           // Customer Email
        customer.firstName,               // Customer Fname
        customer.id,                      // Customer Id
        customer.lastName,                // Customer Lname
        MASKED,                           // Customer Password
        customer.segment,                 // Customer Segment
        customer.place.state,             // Customer State
        customer.street,                  // Customer Street
        customer.zipcode,                 // Customer Zipcode
        String(product.departmentId),     // Department Id
        product.departmentName,           // Department Name
        customer.latitude,                // Latitude
        customer.longitude,               // Longitude
        destination.market,               // Market
        destination.city,                 // Order City
        destination.country,              // Order Country
        customer.id,                      // Order Customer Id
        orderDate,                        // order date (DateOrders)
        orderId,                          // Order Id
        cardId,                           // Order Item Cardprod Id
        formatCents(discountCents),       // Order Item Discount
        formatFixed(rateHundredths, 2),   // Order Item Discount Rate
        String(row),                      // Order Item Id
        price,                            // Order Item Product Price
        formatFixed(ratioHundredths, 2),  // Order Item Profit Ratio
        String(quantity),                 // Order Item Quantity
        formatCents(salesCents),          // Sales
        total,                            // Order Item Total
        profit,                           // Order Profit Per Order
        destination.region,               // Order Region
        destination.state,                // Order State
        status,                           // Order Status
        orderZipcode,                     // Order Zipcode
        cardId,                           // Product Card Id
        categoryId,                       // Product Category Id
        '',                               // Product Description
        product.image,                    // Product Image
        product.name,                     // Product Name
        price,                            // Product Price
        '0',                              // Product Status
        shippingDate,                     // shipping date (DateOrders)
        mode,                             // Shipping Mode
      ];
    }
  }
  return { rows, orders, customers: customers.size };
}
