import { describe, expect, expectTypeOf, it } from 'vitest';
import {
  type CustomerSegment,
  type DeliveryStatus,
  FIELD_TO_HEADER,
  HEADER_TO_FIELD,
  type Market,
  ORDER_ITEM_COLUMN_COUNT,
  ORDER_ITEM_COLUMNS,
  ORDER_ITEM_FIELDS,
  ORDER_ITEM_HEADERS,
  type OrderItemEvent,
  type OrderStatus,
  type PaymentType,
  type ShippingMode,
} from '../src/index.js';

// Copied from the brief and the real file's first line, not from the source: this is the contract.
const REAL_HEADER_LINE =
  'Type,Days for shipping (real),Days for shipment (scheduled),Benefit per order,Sales per customer,' +
  'Delivery Status,Late_delivery_risk,Category Id,Category Name,Customer City,Customer Country,' +
  'Customer Email,Customer Fname,Customer Id,Customer Lname,Customer Password,Customer Segment,' +
  'Customer State,Customer Street,Customer Zipcode,Department Id,Department Name,Latitude,Longitude,' +
  'Market,Order City,Order Country,Order Customer Id,order date (DateOrders),Order Id,' +
  'Order Item Cardprod Id,Order Item Discount,Order Item Discount Rate,Order Item Id,' +
  'Order Item Product Price,Order Item Profit Ratio,Order Item Quantity,Sales,Order Item Total,' +
  'Order Profit Per Order,Order Region,Order State,Order Status,Order Zipcode,Product Card Id,' +
  'Product Category Id,Product Description,Product Image,Product Name,Product Price,Product Status,' +
  'shipping date (DateOrders),Shipping Mode';

/** The documented naming rule (see columns.ts). */
function documentedFieldName(header: string): string {
  return header
    .toLowerCase()
    .replace(' (dateorders)', '')
    .replace(/[^a-z0-9]+/g, '_')
    .replace(/^_|_$/g, '');
}

describe('ORDER_ITEM_COLUMNS', () => {
  it('lists the 53 real headers in file order', () => {
    expect(ORDER_ITEM_HEADERS).toEqual(REAL_HEADER_LINE.split(','));
    expect(ORDER_ITEM_COLUMN_COUNT).toBe(53);
  });

  it('derives every field name by the documented rule, and they are unique', () => {
    for (const column of ORDER_ITEM_COLUMNS) {
      expect(column.field).toBe(documentedFieldName(column.header));
    }
    expect(new Set(ORDER_ITEM_FIELDS).size).toBe(53);
    expect(FIELD_TO_HEADER.order_date).toBe('order date (DateOrders)');
    expect(FIELD_TO_HEADER.days_for_shipment_scheduled).toBe('Days for shipment (scheduled)');
    expect(HEADER_TO_FIELD.Late_delivery_risk).toBe('late_delivery_risk');
  });

  it('maps field → header and header → field as inverses', () => {
    for (const column of ORDER_ITEM_COLUMNS) {
      expect(FIELD_TO_HEADER[column.field]).toBe(column.header);
      expect(HEADER_TO_FIELD[column.header]).toBe(column.field);
    }
  });

  it('allows empty cells only where the real file has them', () => {
    const nullable = ORDER_ITEM_COLUMNS.filter((column) => column.nullable).map((c) => c.header);
    expect(nullable).toEqual([
      'Customer Lname',
      'Customer Zipcode',
      'Order Zipcode',
      'Product Description',
    ]);
  });

  it('types each column', () => {
    const byType = (type: string) =>
      ORDER_ITEM_COLUMNS.filter((column) => column.type === type).map((c) => c.header);
    expect(byType('timestamp')).toEqual(['order date (DateOrders)', 'shipping date (DateOrders)']);
    expect(byType('enum')).toEqual([
      'Type',
      'Delivery Status',
      'Customer Segment',
      'Market',
      'Order Status',
      'Shipping Mode',
    ]);
    expect(byType('decimal')).toHaveLength(12);
    expect(byType('integer')).toHaveLength(14);
    expect(byType('string')).toHaveLength(19);
  });

  it('gives the event precise value types', () => {
    expectTypeOf<OrderItemEvent['type']>().toEqualTypeOf<PaymentType>();
    expectTypeOf<OrderItemEvent['order_status']>().toEqualTypeOf<OrderStatus>();
    expectTypeOf<OrderItemEvent['delivery_status']>().toEqualTypeOf<DeliveryStatus>();
    expectTypeOf<OrderItemEvent['shipping_mode']>().toEqualTypeOf<ShippingMode>();
    expectTypeOf<OrderItemEvent['customer_segment']>().toEqualTypeOf<CustomerSegment>();
    expectTypeOf<OrderItemEvent['market']>().toEqualTypeOf<Market>();
    expectTypeOf<OrderItemEvent['late_delivery_risk']>().toEqualTypeOf<0 | 1>();
    expectTypeOf<OrderItemEvent['order_id']>().toEqualTypeOf<number>();
    expectTypeOf<OrderItemEvent['sales']>().toEqualTypeOf<number>();
    expectTypeOf<OrderItemEvent['order_date']>().toEqualTypeOf<string>();
    expectTypeOf<OrderItemEvent['order_zipcode']>().toEqualTypeOf<string | null>();
    expectTypeOf<OrderItemEvent['customer_fname']>().toEqualTypeOf<string>();
    expectTypeOf<OrderItemEvent['schema_version']>().toEqualTypeOf<1>();
  });
});
