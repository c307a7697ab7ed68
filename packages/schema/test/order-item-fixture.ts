/**
 * A valid data row shaped like the first row of the real DataCo file, and the event it must parse to.
 * Tests derive bad rows from it by replacing one field at a time.
 */
import { ORDER_ITEM_HEADERS, type OrderItemEvent } from '../src/index.js';

/** The fields of a valid row, in header order. */
export const VALID_FIELDS: readonly string[] = [
  'DEBIT', // Type
  '3', // Days for shipping (real)
  '4', // Days for shipment (scheduled)
  '91.25', // Benefit per order
  '314.640015', // Sales per customer
  'Advance shipping', // Delivery Status
  '0', // Late_delivery_risk
  '73', // Category Id
  'Sporting Goods', // Category Name
  'Caguas', // Customer City
  'Puerto Rico', // Customer Country
  'XXXXXXXXX', // Customer Email
  'Cally', // Customer Fname
  '20755', // Customer Id
  'Holloway', // Customer Lname
  'XXXXXXXXX', // Customer Password
  'Consumer', // Customer Segment
  'PR', // Customer State
  '5365 Noble Nectar Island', // Customer Street
  '725', // Customer Zipcode
  '2', // Department Id
  'Fitness', // Department Name
  '18.2514534', // Latitude
  '-66.03705597', // Longitude
  'Pacific Asia', // Market
  'Bekasi', // Order City
  'Indonesia', // Order Country
  '20755', // Order Customer Id
  '1/31/2018 22:56', // order date (DateOrders)
  '77202', // Order Id
  '1360', // Order Item Cardprod Id
  '13.10999966', // Order Item Discount
  '0.039999999', // Order Item Discount Rate
  '180517', // Order Item Id
  '327.75', // Order Item Product Price
  '0.289999992', // Order Item Profit Ratio
  '1', // Order Item Quantity
  '327.75', // Sales
  '314.640015', // Order Item Total
  '91.25', // Order Profit Per Order
  'Southeast Asia', // Order Region
  'Java Occidental', // Order State
  'COMPLETE', // Order Status
  '', // Order Zipcode
  '1360', // Product Card Id
  '73', // Product Category Id
  '', // Product Description
  'http://images.acmesports.sports/Smart+watch ', // Product Image
  'Smart watch ', // Product Name
  '327.75', // Product Price
  '0', // Product Status
  '2/3/2018 22:56', // shipping date (DateOrders)
  'Standard Class', // Shipping Mode
];

/** The context the fixture is parsed with. */
export const CONTEXT = {
  file: 'DataCoSupplyChainDataset.csv',
  row: 1,
  ingestedAt: '2024-05-01T12:00:00.000Z',
};

/** The event `VALID_FIELDS` parses to under `CONTEXT`. */
export const EXPECTED_EVENT: OrderItemEvent = {
  schema_version: 1,
  type: 'DEBIT',
  days_for_shipping_real: 3,
  days_for_shipment_scheduled: 4,
  benefit_per_order: 91.25,
  sales_per_customer: 314.640015,
  delivery_status: 'Advance shipping',
  late_delivery_risk: 0,
  category_id: 73,
  category_name: 'Sporting Goods',
  customer_city: 'Caguas',
  customer_country: 'Puerto Rico',
  customer_email: 'XXXXXXXXX',
  customer_fname: 'Cally',
  customer_id: 20755,
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
  order_city: 'Bekasi',
  order_country: 'Indonesia',
  order_customer_id: 20755,
  order_date: '2018-01-31T22:56:00.000Z',
  order_id: 77202,
  order_item_cardprod_id: 1360,
  order_item_discount: 13.10999966,
  order_item_discount_rate: 0.039999999,
  order_item_id: 180517,
  order_item_product_price: 327.75,
  order_item_profit_ratio: 0.289999992,
  order_item_quantity: 1,
  sales: 327.75,
  order_item_total: 314.640015,
  order_profit_per_order: 91.25,
  order_region: 'Southeast Asia',
  order_state: 'Java Occidental',
  order_status: 'COMPLETE',
  order_zipcode: null,
  product_card_id: 1360,
  product_category_id: 73,
  product_description: null,
  product_image: 'http://images.acmesports.sports/Smart+watch ',
  product_name: 'Smart watch ',
  product_price: 327.75,
  product_status: 0,
  shipping_date: '2018-02-03T22:56:00.000Z',
  shipping_mode: 'Standard Class',
  source: { file: 'DataCoSupplyChainDataset.csv', row: 1 },
  ingested_at: '2024-05-01T12:00:00.000Z',
};

/** A copy of the valid fields with some of them replaced, by header. */
export function fieldsWith(replacements: Readonly<Record<string, string>>): string[] {
  const fields = [...VALID_FIELDS];
  for (const [header, value] of Object.entries(replacements)) {
    const index = ORDER_ITEM_HEADERS.indexOf(header as (typeof ORDER_ITEM_HEADERS)[number]);
    if (index < 0) throw new Error(`no column ${header}`);
    fields[index] = value;
  }
  return fields;
}

/** The valid row as a header-keyed record, as csv-parse returns it with `columns: true`. */
export function validRecord(): Record<string, string> {
  return Object.fromEntries(ORDER_ITEM_HEADERS.map((header, i) => [header, VALID_FIELDS[i]!]));
}
