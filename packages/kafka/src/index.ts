export { consumerLag, ensureTopics, type PartitionLag, type TopicSpec } from './admin.js';
export { createKafka, type KafkaClientOptions } from './client.js';
export {
  type PartitionEnds,
  type ReadTopicOptions,
  readTopicToEnd,
  type TopicRecord,
} from './read-topic.js';
export { TOPIC_NAME, TOPICS, type TopicName } from './topics.js';
