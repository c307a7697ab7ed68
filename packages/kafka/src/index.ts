export {
  consumerLag,
  ensureTopics,
  kafkaClusterId,
  type PartitionLag,
  type TopicSpec,
} from './admin.js';
export { createIdempotentProducer, createKafka, type KafkaClientOptions } from './client.js';
export {
  committedOffsets,
  type OffsetTargets,
  topicEnds,
  type WaitForCommittedOptions,
  waitForCommitted,
} from './committed-offsets.js';
export {
  createManagedConsumer,
  type ManagedConsumer,
  type ManagedConsumerOptions,
  withHeartbeats,
} from './consumer-lifecycle.js';
export { KAFKA_ERROR_CODES, type KafkaErrorCode } from './errors.js';
export {
  type PartitionEnds,
  type ReadTopicOptions,
  readTopicToEnd,
  type TopicRecord,
} from './read-topic.js';
export {
  isRetriableKafkaError,
  type KafkaStartRetryOptions,
  withKafkaStartRetry,
} from './start-retry.js';
export {
  CONSUMER_GROUPS,
  DB_TABLE_TOPIC_CONFIG,
  DB_TABLE_TOPIC_PREFIX,
  dbTableTopic,
  dbTableTopicSpec,
  TOPIC_CONFIGS,
  TOPIC_NAME,
  TOPICS,
  type TopicName,
  topicSpec,
} from './topics.js';
