import { kafkaClusterId, withKafkaStartRetry } from '@lakestream/kafka';
import type { Logger } from '@lakestream/observability';
import type { Kafka } from 'kafkajs';
import { AuditSinkError } from './errors.js';

/**
 * Reads the Kafka cluster id once at start. It is part of every audit key: (topic, partition,
 * offset) names a message only within one cluster, and a wiped Kafka (a new KRaft log, a new id)
 * starts its offsets at 0 again. Retried like every start-up call while the broker is not ready.
 */
export async function readClusterId(
  kafka: Kafka,
  options: { logger: Logger; signal?: AbortSignal },
): Promise<string> {
  const clusterId = await withKafkaStartRetry(
    'reading the Kafka cluster id',
    () => kafkaClusterId(kafka),
    options,
  );
  if (typeof clusterId !== 'string' || clusterId === '') {
    throw new AuditSinkError(
      'LS_AUDIT_CLUSTER_ID_MISSING',
      'the Kafka cluster did not report its cluster id, which every audit key includes',
    );
  }
  return clusterId;
}
