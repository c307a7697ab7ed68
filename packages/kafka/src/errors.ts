/** Error codes of the Kafka package; each is documented in packages/kafka/README.md. */
export const KAFKA_ERROR_CODES = [
  /** A start-up step kept getting retriable answers past its time limit. */
  'LS_KAFKA_START_FAILED',
  /** A topic's partitions still had no leader after creation (retriable). */
  'LS_KAFKA_TOPIC_NOT_READY',
] as const;

/** One of `KAFKA_ERROR_CODES`. */
export type KafkaErrorCode = (typeof KAFKA_ERROR_CODES)[number];
