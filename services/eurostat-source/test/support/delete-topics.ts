/** Removes the topics a test file made for itself, so the shared broker does not fill up with them. */
import type { Kafka } from 'kafkajs';

/** Deletes `topics`; one already gone (or never made, the set-up having failed) is no failure. */
export async function deleteTopics(kafka: Kafka, topics: string[]): Promise<void> {
  const admin = kafka.admin();
  await admin.connect();
  try {
    await admin.deleteTopics({ topics }).catch(() => {});
  } finally {
    await admin.disconnect();
  }
}
