/** The topics of the pipeline: contracts other tools read, so never rename one in place. */
export const TOPICS = {
  /** Validated order-item events (OrderItemEvent JSON), keyed by Order Id. */
  orderItems: 'lakestream.order_items.v1',
  /** Rows the producer rejected, with the raw line, file, row and every reason. */
  orderItemsDlq: 'lakestream.order_items.dlq.v1',
  /** One manifest per bronze object made durable by the bronze sink. */
  bronzeFiles: 'lakestream.bronze.files.v1',
  /** One announcement per silver batch published by the transformer. */
  silverBatches: 'lakestream.silver.batches.v1',
} as const;

export type TopicName = (typeof TOPICS)[keyof typeof TOPICS];
