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

/**
 * What Kafka accepts as a topic name, in the form `envVar.string()` takes, so every service's
 * config rejects a bad name with the same message: `envVar.string(TOPIC_NAME)`.
 */
export const TOPIC_NAME = {
  pattern: /^[A-Za-z0-9._-]{1,249}$/,
  expected: 'a Kafka topic name',
};
