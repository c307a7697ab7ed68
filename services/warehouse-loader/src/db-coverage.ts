import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { createManagedConsumer, DB_TABLE_TOPIC_PREFIX, TOPICS, topicSpec } from '@lakestream/kafka';
import {
  type BronzeManifest,
  type DbSyncBatch,
  manifestNextOffset,
  manifestStartOffset,
  parseBronzeManifest,
} from '@lakestream/lake';
import type { Logger } from '@lakestream/observability';
import type { Kafka } from 'kafkajs';
import { LoaderError } from './errors.js';

/** The part of one bronze object that a batch's range reads: offsets `[from, to)` of `key`. */
export interface CoveragePiece {
  key: string;
  partition: number;
  from: number;
  to: number;
}

/** What the manifests say of a batch: the objects to read, or the offsets no object holds yet. */
export type Coverage =
  | { covered: true; pieces: CoveragePiece[] }
  | { covered: false; missing: { partition: number; from: number; to: number }[] };

interface Span {
  key: string;
  start: number;
  next: number;
}

/**
 * The bronze objects of the database table topics, by topic and partition. An object key seen
 * again (a replay rewrote the object under its deterministic name) takes its latest manifest.
 */
export class BronzeIndex {
  private readonly spans = new Map<string, Map<string, Span>>();

  /** Records one manifest; manifests of other topics are ignored. */
  add(manifest: BronzeManifest): void {
    if (!manifest.topic.startsWith(DB_TABLE_TOPIC_PREFIX)) return;
    const id = `${manifest.topic}+${manifest.partition}`;
    let byKey = this.spans.get(id);
    if (!byKey) {
      byKey = new Map();
      this.spans.set(id, byKey);
    }
    byKey.set(manifest.key, {
      key: manifest.key,
      start: manifestStartOffset(manifest),
      next: manifestNextOffset(manifest),
    });
  }

  /**
   * The objects covering every range of the batch without a gap: from each range's start, the
   * object reaching furthest among those that begin at or before the position, until its end.
   * Each piece reads only the offsets no earlier piece read, so overlapping objects (a replay
   * that cut objects differently) give every record once.
   */
  cover(batch: Pick<DbSyncBatch, 'topic' | 'ranges'>): Coverage {
    const pieces: CoveragePiece[] = [];
    const missing: { partition: number; from: number; to: number }[] = [];
    for (const range of batch.ranges) {
      const spans = [...(this.spans.get(`${batch.topic}+${range.partition}`)?.values() ?? [])];
      let at = range.start_offset;
      while (at < range.end_offset) {
        let best: Span | undefined;
        for (const span of spans) {
          if (span.start <= at && span.next > at && (!best || span.next > best.next)) best = span;
        }
        if (!best) {
          const later = spans.filter((s) => s.start > at).map((s) => s.start);
          const to = Math.min(range.end_offset, ...later);
          missing.push({ partition: range.partition, from: at, to });
          at = to;
          continue;
        }
        const to = Math.min(best.next, range.end_offset);
        pieces.push({ key: best.key, partition: range.partition, from: at, to });
        at = to;
      }
    }
    return missing.length > 0 ? { covered: false, missing } : { covered: true, pieces };
  }
}

/** Options of `followBronzeManifests`. */
export interface BronzeFeedOptions {
  kafka: Kafka;
  /** The bronze manifest topic (`lakestream.bronze.files.v1`). */
  topic: string;
  index: BronzeIndex;
  logger: Logger;
  signal?: AbortSignal;
  onFatal?: (err: unknown) => void;
}

/** The running manifest feed. */
export interface BronzeFeed {
  start(): Promise<void>;
  close(): Promise<void>;
}

/**
 * Reads the manifest topic from the beginning, read_committed (a manifest counts once its sink
 * transaction committed), then follows it, adding the database topics' manifests to the index.
 * Its consumer group is private to the process and commits nothing: every start re-reads.
 */
export function followBronzeManifests(options: BronzeFeedOptions): BronzeFeed {
  const log = options.logger.child({ component: 'bronze-manifests' });
  const groupId = `lakestream-warehouse-loader-db-manifests-${randomUUID()}`;
  const member = createManagedConsumer({
    kafka: options.kafka,
    consumer: {
      groupId,
      readUncommitted: false,
      allowAutoTopicCreation: false,
      maxWaitTimeInMs: 500,
    },
    topics: [options.topic],
    ensureTopics: [topicSpec(TOPICS.bronzeFiles, options.topic)],
    logger: log,
    ...(options.signal ? { signal: options.signal } : {}),
    ...(options.onFatal ? { onFatal: options.onFatal } : {}),
  });
  return {
    start: () =>
      member.start({
        autoCommit: false,
        eachMessage: async ({ message }) => {
          // The key is `<topic>+<partition>`: other topics' manifests are skipped unparsed.
          if (!message.key?.toString('utf8').startsWith(DB_TABLE_TOPIC_PREFIX)) return;
          try {
            options.index.add(parseBronzeManifest(message.value ?? ''));
          } catch (err) {
            log.warn({ err, offset: message.offset }, 'ignoring a message that is not a manifest');
          }
        },
      }),
    async close() {
      await member.close();
      const admin = options.kafka.admin();
      await admin
        .connect()
        .then(() => admin.deleteGroups([groupId]))
        .catch((err: unknown) => log.debug({ err }, 'could not delete the private group'))
        .finally(() => admin.disconnect());
    },
  };
}

/**
 * Waits until the manifests cover the batch, polling the index; rejects after `timeoutMs` with
 * `LS_LOADER_DB_NOT_IN_BRONZE`, naming the topic, partitions and offsets still missing.
 */
export async function waitForCoverage(
  index: BronzeIndex,
  batch: DbSyncBatch,
  options: { timeoutMs: number; signal?: AbortSignal; pollMs?: number },
): Promise<CoveragePiece[]> {
  const deadline = performance.now() + options.timeoutMs;
  for (;;) {
    const coverage = index.cover(batch);
    if (coverage.covered) return coverage.pieces;
    if (performance.now() >= deadline || options.signal?.aborted) {
      const gaps = coverage.missing.map(
        (m) => `partition ${m.partition} offsets ${m.from}…${m.to - 1}`,
      );
      throw new LoaderError(
        'LS_LOADER_DB_NOT_IN_BRONZE',
        `batch ${batch.run_id} attempt ${batch.attempt} of ${batch.database}.${batch.table}: after ${Math.round(options.timeoutMs / 1000)} s no bronze manifest of ${batch.topic} covers ${gaps.join(', ')}; is the database tables' bronze sink running?`,
        { retryable: true, details: { topic: batch.topic, missing: coverage.missing } },
      );
    }
    await sleep(
      options.pollMs ?? 200,
      undefined,
      options.signal ? { signal: options.signal } : {},
    ).catch(() => {});
  }
}
