/**
 * The 53 columns of the DataCo order-item CSV (`DataCoSupplyChainDataset.csv`), in header order.
 *
 * Field names are derived mechanically from the header so nobody has to remember exceptions:
 * lower-case it, drop the `(DateOrders)` tag (it names the spreadsheet the dates came from, not
 * the value), then join the remaining words with `_`, keeping any other parenthesised qualifier as
 * a suffix (`Days for shipping (real)` → `days_for_shipping_real`). `Type` therefore stays `type`
 * although it holds the payment type: a guessable name beats a prettier one here.
 */

/** The kind of value a column holds; decides which parser checks it. */
export type ColumnType = 'string' | 'integer' | 'decimal' | 'timestamp' | 'enum';

/** `Type`: how the order was paid. */
export const PAYMENT_TYPES = ['DEBIT', 'TRANSFER', 'CASH', 'PAYMENT'] as const;
/** A value of `Type`. */
export type PaymentType = (typeof PAYMENT_TYPES)[number];

/** `Order Status`. */
export const ORDER_STATUSES = [
  'COMPLETE',
  'PENDING',
  'CLOSED',
  'PENDING_PAYMENT',
  'CANCELED',
  'PROCESSING',
  'SUSPECTED_FRAUD',
  'ON_HOLD',
  'PAYMENT_REVIEW',
] as const;
/** A value of `Order Status`. */
export type OrderStatus = (typeof ORDER_STATUSES)[number];

/** `Delivery Status`. */
export const DELIVERY_STATUSES = [
  'Advance shipping',
  'Late delivery',
  'Shipping canceled',
  'Shipping on time',
] as const;
/** A value of `Delivery Status`. */
export type DeliveryStatus = (typeof DELIVERY_STATUSES)[number];

/** `Shipping Mode`. */
export const SHIPPING_MODES = [
  'Standard Class',
  'Second Class',
  'First Class',
  'Same Day',
] as const;
/** A value of `Shipping Mode`. */
export type ShippingMode = (typeof SHIPPING_MODES)[number];

/** `Customer Segment`. */
export const CUSTOMER_SEGMENTS = ['Consumer', 'Corporate', 'Home Office'] as const;
/** A value of `Customer Segment`. */
export type CustomerSegment = (typeof CUSTOMER_SEGMENTS)[number];

/** `Market`: where the order is delivered. */
export const MARKETS = ['Africa', 'Europe', 'LATAM', 'Pacific Asia', 'USCA'] as const;
/** A value of `Market`. */
export type Market = (typeof MARKETS)[number];

/** The two values of the 0/1 flag columns (`Late_delivery_risk`, `Product Status`). */
export const FLAG_VALUES = [0, 1] as const;

/** What the schema knows about one CSV column. */
export interface ColumnSpec {
  /** The header exactly as it appears in the CSV. */
  readonly header: string;
  /** The snake_case key of the value in an `OrderItemEvent`. */
  readonly field: string;
  readonly type: ColumnType;
  /** Whether an empty cell is allowed (it becomes `null`); otherwise empty is a problem. */
  readonly nullable: boolean;
  /** The allowed values of an `enum` column, or of an `integer` flag column. */
  readonly values?: readonly (string | number)[];
  /** One line from the dataset's field descriptions. */
  readonly description: string;
}

/** The 53 columns in header order. Nullable: only the columns the real file leaves empty. */
// biome-ignore format: one column per line keeps the table readable as a table.
export const ORDER_ITEM_COLUMNS = [
  { header: 'Type', field: 'type', type: 'enum', nullable: false, values: PAYMENT_TYPES, description: 'Type of transaction made (payment type)' },
  { header: 'Days for shipping (real)', field: 'days_for_shipping_real', type: 'integer', nullable: false, description: 'Actual shipping days of the purchased product' },
  { header: 'Days for shipment (scheduled)', field: 'days_for_shipment_scheduled', type: 'integer', nullable: false, description: 'Days of scheduled delivery of the purchased product' },
  { header: 'Benefit per order', field: 'benefit_per_order', type: 'decimal', nullable: false, description: 'Earnings per order placed (equals Order Profit Per Order)' },
  { header: 'Sales per customer', field: 'sales_per_customer', type: 'decimal', nullable: false, description: 'Total sales per customer (equals Order Item Total)' },
  { header: 'Delivery Status', field: 'delivery_status', type: 'enum', nullable: false, values: DELIVERY_STATUSES, description: 'Delivery status of the order' },
  { header: 'Late_delivery_risk', field: 'late_delivery_risk', type: 'integer', nullable: false, values: FLAG_VALUES, description: '1 if the shipment is late, 0 if not' },
  { header: 'Category Id', field: 'category_id', type: 'integer', nullable: false, description: 'Product category code' },
  { header: 'Category Name', field: 'category_name', type: 'string', nullable: false, description: 'Description of the product category' },
  { header: 'Customer City', field: 'customer_city', type: 'string', nullable: false, description: 'City where the customer made the purchase' },
  { header: 'Customer Country', field: 'customer_country', type: 'string', nullable: false, description: 'Country where the customer made the purchase' },
  { header: 'Customer Email', field: 'customer_email', type: 'string', nullable: false, description: "Customer's email (masked)" },
  { header: 'Customer Fname', field: 'customer_fname', type: 'string', nullable: false, description: 'Customer first name' },
  { header: 'Customer Id', field: 'customer_id', type: 'integer', nullable: false, description: 'Customer ID' },
  { header: 'Customer Lname', field: 'customer_lname', type: 'string', nullable: true, description: 'Customer last name (empty in a few rows)' },
  { header: 'Customer Password', field: 'customer_password', type: 'string', nullable: false, description: 'Masked customer key' },
  { header: 'Customer Segment', field: 'customer_segment', type: 'enum', nullable: false, values: CUSTOMER_SEGMENTS, description: 'Type of customer' },
  { header: 'Customer State', field: 'customer_state', type: 'string', nullable: false, description: 'State of the store where the purchase is registered' },
  { header: 'Customer Street', field: 'customer_street', type: 'string', nullable: false, description: 'Street of the store where the purchase is registered' },
  // A zipcode is a code, not a quantity: kept as text so leading zeros would survive.
  { header: 'Customer Zipcode', field: 'customer_zipcode', type: 'string', nullable: true, description: 'Customer zipcode (empty in a few rows)' },
  { header: 'Department Id', field: 'department_id', type: 'integer', nullable: false, description: 'Department code of the store' },
  { header: 'Department Name', field: 'department_name', type: 'string', nullable: false, description: 'Department name of the store' },
  { header: 'Latitude', field: 'latitude', type: 'decimal', nullable: false, description: 'Latitude of the store' },
  { header: 'Longitude', field: 'longitude', type: 'decimal', nullable: false, description: 'Longitude of the store' },
  { header: 'Market', field: 'market', type: 'enum', nullable: false, values: MARKETS, description: 'Market the order is delivered to' },
  { header: 'Order City', field: 'order_city', type: 'string', nullable: false, description: 'Destination city of the order' },
  { header: 'Order Country', field: 'order_country', type: 'string', nullable: false, description: 'Destination country of the order' },
  { header: 'Order Customer Id', field: 'order_customer_id', type: 'integer', nullable: false, description: 'Customer of the order (equals Customer Id)' },
  { header: 'order date (DateOrders)', field: 'order_date', type: 'timestamp', nullable: false, description: 'Date on which the order was made' },
  { header: 'Order Id', field: 'order_id', type: 'integer', nullable: false, description: 'Order code' },
  { header: 'Order Item Cardprod Id', field: 'order_item_cardprod_id', type: 'integer', nullable: false, description: 'Product code read by RFID (equals Product Card Id)' },
  { header: 'Order Item Discount', field: 'order_item_discount', type: 'decimal', nullable: false, description: 'Order item discount value' },
  { header: 'Order Item Discount Rate', field: 'order_item_discount_rate', type: 'decimal', nullable: false, description: 'Order item discount rate (fraction, 0.04 = 4%)' },
  { header: 'Order Item Id', field: 'order_item_id', type: 'integer', nullable: false, description: 'Order item code (unique)' },
  { header: 'Order Item Product Price', field: 'order_item_product_price', type: 'decimal', nullable: false, description: 'Price of the product without discount' },
  { header: 'Order Item Profit Ratio', field: 'order_item_profit_ratio', type: 'decimal', nullable: false, description: 'Profit divided by Order Item Total' },
  { header: 'Order Item Quantity', field: 'order_item_quantity', type: 'integer', nullable: false, description: 'Number of units of the product in the item' },
  { header: 'Sales', field: 'sales', type: 'decimal', nullable: false, description: 'Product price times quantity, before discount' },
  { header: 'Order Item Total', field: 'order_item_total', type: 'decimal', nullable: false, description: 'Sales minus discount' },
  { header: 'Order Profit Per Order', field: 'order_profit_per_order', type: 'decimal', nullable: false, description: 'Profit of the item' },
  { header: 'Order Region', field: 'order_region', type: 'string', nullable: false, description: 'Region of the world where the order is delivered' },
  { header: 'Order State', field: 'order_state', type: 'string', nullable: false, description: 'State of the region where the order is delivered' },
  { header: 'Order Status', field: 'order_status', type: 'enum', nullable: false, values: ORDER_STATUSES, description: 'Order status' },
  // Empty unless the order goes to the United States (~86% of rows); text for the zipcode reason above.
  { header: 'Order Zipcode', field: 'order_zipcode', type: 'string', nullable: true, description: 'Destination zipcode of the order (mostly empty)' },
  { header: 'Product Card Id', field: 'product_card_id', type: 'integer', nullable: false, description: 'Product code' },
  { header: 'Product Category Id', field: 'product_category_id', type: 'integer', nullable: false, description: 'Product category code (equals Category Id)' },
  { header: 'Product Description', field: 'product_description', type: 'string', nullable: true, description: 'Product description (always empty in the real file)' },
  { header: 'Product Image', field: 'product_image', type: 'string', nullable: false, description: 'Link to view and buy the product' },
  { header: 'Product Name', field: 'product_name', type: 'string', nullable: false, description: 'Product name (may carry a trailing space)' },
  { header: 'Product Price', field: 'product_price', type: 'decimal', nullable: false, description: 'Product price (equals Order Item Product Price)' },
  { header: 'Product Status', field: 'product_status', type: 'integer', nullable: false, values: FLAG_VALUES, description: '1 if the product is not available, 0 if it is' },
  { header: 'shipping date (DateOrders)', field: 'shipping_date', type: 'timestamp', nullable: false, description: 'Date and time of shipment' },
  { header: 'Shipping Mode', field: 'shipping_mode', type: 'enum', nullable: false, values: SHIPPING_MODES, description: 'Shipping mode' },
] as const satisfies readonly ColumnSpec[];

/** One entry of `ORDER_ITEM_COLUMNS`, with its literal header, field, type and values. */
export type OrderItemColumn = (typeof ORDER_ITEM_COLUMNS)[number];
/** A CSV header of the order-item file. */
export type OrderItemHeader = OrderItemColumn['header'];
/** A snake_case field of `OrderItemEvent` that carries a CSV column. */
export type OrderItemField = OrderItemColumn['field'];

/** The number of columns a data row must have. */
export const ORDER_ITEM_COLUMN_COUNT = ORDER_ITEM_COLUMNS.length;

/** The headers in file order, as written on the first line of the CSV. */
export const ORDER_ITEM_HEADERS: readonly OrderItemHeader[] = Object.freeze(
  ORDER_ITEM_COLUMNS.map((column) => column.header),
);

/** The event fields in file order. */
export const ORDER_ITEM_FIELDS: readonly OrderItemField[] = Object.freeze(
  ORDER_ITEM_COLUMNS.map((column) => column.field),
);

/** field → CSV header (e.g. `order_date` → `order date (DateOrders)`). */
export const FIELD_TO_HEADER: Readonly<Record<OrderItemField, OrderItemHeader>> = Object.freeze(
  Object.fromEntries(ORDER_ITEM_COLUMNS.map((column) => [column.field, column.header])) as Record<
    OrderItemField,
    OrderItemHeader
  >,
);

/** CSV header → field (e.g. `Days for shipping (real)` → `days_for_shipping_real`). */
export const HEADER_TO_FIELD: Readonly<Record<OrderItemHeader, OrderItemField>> = Object.freeze(
  Object.fromEntries(ORDER_ITEM_COLUMNS.map((column) => [column.header, column.field])) as Record<
    OrderItemHeader,
    OrderItemField
  >,
);

/** The value type a column parses to: numbers for integer/decimal, literals for enums and flags. */
type ColumnValue<C> = C extends { readonly values: readonly (infer V)[] }
  ? V
  : C extends { readonly type: 'integer' | 'decimal' }
    ? number
    : string;

/** The 53 column values of one row, keyed by field; nullable columns may be `null`. */
export type OrderItemValues = {
  -readonly [C in OrderItemColumn as C['field']]:
    | ColumnValue<C>
    | (C extends { readonly nullable: true } ? null : never);
};
