/**
 * `--wait` of `backfill` and `quality-events`: once the command has published, the reports
 * topic's ends are the run's target; then the two hops of wait-applied.ts. One place, so both
 * commands promise the same thing to a script that waits on them.
 */
import { topicEnds } from '@lakestream/kafka';
import type { Kafka } from 'kafkajs';
import type { QualityConfig } from './config.js';
import { waitUntilApplied } from './wait-applied.js';

/** Waits until the bronze sink and the documents loader have applied `reportsTopic` as it ends now. */
export async function waitForPublishedReports(
  kafka: Kafka,
  config: QualityConfig,
  reportsTopic: string,
  signal: AbortSignal,
): Promise<void> {
  const admin = kafka.admin();
  await admin.connect();
  try {
    const reportEnds = await topicEnds(admin, reportsTopic);
    await waitUntilApplied(kafka, admin, {
      reportsTopic,
      reportEnds,
      bronzeGroup: config.bronzeGroup,
      manifestTopic: config.manifestTopic,
      loaderGroup: config.loaderGroup,
      timeoutMs: config.waitTimeoutMs,
      signal,
    });
  } finally {
    await admin.disconnect().catch(() => {});
  }
}
