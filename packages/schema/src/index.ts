export { checkHeader, type HeaderCheck } from './check-header.js';
export {
  type ColumnSpec,
  type ColumnType,
  CUSTOMER_SEGMENTS,
  type CustomerSegment,
  DELIVERY_STATUSES,
  type DeliveryStatus,
  FIELD_TO_HEADER,
  FLAG_VALUES,
  HEADER_TO_FIELD,
  MARKETS,
  type Market,
  ORDER_ITEM_COLUMN_COUNT,
  ORDER_ITEM_COLUMNS,
  ORDER_ITEM_FIELDS,
  ORDER_ITEM_HEADERS,
  ORDER_STATUSES,
  type OrderItemColumn,
  type OrderItemField,
  type OrderItemHeader,
  type OrderItemValues,
  type OrderStatus,
  PAYMENT_TYPES,
  type PaymentType,
  SHIPPING_MODES,
  type ShippingMode,
} from './columns.js';
export { formatDataCoTimestamp, parseDataCoTimestamp } from './dataco-timestamp.js';
export {
  type OrderItemEvent,
  SCHEMA_VERSION,
  type SourcePosition,
  serializeOrderItemEvent,
} from './order-item-event.js';
export { type ParseContext, type ParseResult, parseOrderItemRow } from './parse-order-item-row.js';
export { describeProblem, type Problem, type ProblemCode } from './problem.js';
