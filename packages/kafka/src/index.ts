export { consumerLag, ensureTopics, type PartitionLag, type TopicSpec } from './admin.js';
export { createKafka, type KafkaClientOptions } from './client.js';
export { TOPICS, type TopicName } from './topics.js';
