/**
 * One producer run: check every input's header, make sure the topics exist, then stream each
 * input through its source into the emitter, pacing rows, writing checkpoints as batches are
 * acknowledged, and reporting progress. Stops cleanly when `signal` aborts: reading stops, what
 * was read is delivered, and the checkpoint records it.
 */
import { resolveLakestreamHome } from '@lakestream/config';
import { ensureTopics, TOPICS, topicSpec, withKafkaStartRetry } from '@lakestream/kafka';
import type { LakestreamMetrics, Logger } from '@lakestream/observability';
import type { Kafka } from 'kafkajs';
import { CheckpointFile } from './checkpoint-store.js';
import { type CsvEncoding, type CsvParser, CsvSource } from './csv-source.js';
import { deadLetterRecord } from './dead-letter.js';
import { ProducerError } from './errors.js';
import type { EventSource, SourceRejection } from './event-source.js';
import { type Clock, type PaceMode, Pacer, systemClock } from './pacer.js';
import type { ProgressSnapshot, RunSummary } from './progress.js';
import { type Compression, TopicEmitter } from './topic-emitter.js';

/** Everything a run needs to know (from flags and environment, see cli-options.ts). */
export interface ProducerSettings {
  /** File paths, or `-` for stdin. */
  readonly inputs: readonly string[];
  readonly topic: string;
  readonly deadLetterTopic: string;
  /** Partitions of the topics when the producer creates them. */
  readonly partitions: number;
  readonly encoding: CsvEncoding;
  /** CSV parser: `fast` (default) or `csv-parse` (the slower reference). */
  readonly parser: CsvParser;
  readonly maxRecordBytes: number;
  readonly maxRawBytes: number;
  /** Largest event value sent; a bigger one goes to the dead-letter topic. */
  readonly maxMessageBytes: number;
  readonly batchMessages: number;
  readonly batchBytes: number;
  readonly lingerMs: number;
  readonly lanes: number;
  readonly compression: Compression;
  readonly pace: PaceMode;
  /** Skip the rows a checkpoint says were acknowledged. */
  readonly resume: boolean;
  /** Where checkpoints live (`<home>/producer/checkpoints`). */
  readonly lakestreamHome: string;
}

/** Collaborators of a run. */
export interface ProducerRunContext {
  /** Admin client (topics, metadata). */
  readonly kafka: Kafka;
  /** Bootstrap brokers of the producing client (the same cluster as `kafka`). */
  readonly brokers: readonly string[];
  /** Client id of the producing client; `lakestream-producer` by default. */
  readonly clientId?: string;
  readonly logger: Logger;
  readonly metrics?: LakestreamMetrics;
  /** Aborting stops intake; the run then delivers what it read and returns (interrupted). */
  readonly signal?: AbortSignal;
  readonly stdin?: NodeJS.ReadableStream;
  readonly clock?: Clock;
  /** Called after every chunk of input. */
  readonly onProgress?: (snapshot: ProgressSnapshot) => void;
}

/** Per input, what the run did. */
export interface InputResult {
  readonly input: string;
  /** Rows skipped because the checkpoint covered them. */
  readonly resumedAfterRow: number;
  /** The last row acknowledged when the run left this input. */
  readonly ackedThroughRow: number;
  readonly complete: boolean;
  readonly checkpoint: string | undefined;
}

/** The result of a run. */
export interface ProducerRunResult extends RunSummary {
  readonly inputs: readonly InputResult[];
}

const READER = 'csv_reader';

/** Runs the producer over every input; see the module comment. Throws `ProducerError`s. */
export async function runProducer(
  settings: ProducerSettings,
  context: ProducerRunContext,
): Promise<ProducerRunResult> {
  const { kafka, logger, metrics, signal } = context;
  const clock = context.clock ?? systemClock;
  const started = clock.now();
  const withEventTime = settings.pace.kind === 'event-time';
  const sources: CsvSource[] = settings.inputs.map(
    (input) =>
      new CsvSource({
        input,
        encoding: settings.encoding,
        parser: settings.parser,
        maxRecordBytes: settings.maxRecordBytes,
        maxRawBytes: settings.maxRawBytes,
        withEventTime,
        ...(context.stdin ? { stdin: context.stdin } : {}),
      }),
  );

  // Every file's header before anything is produced (stdin is checked as it starts).
  const headerErrors: ProducerError[] = [];
  for (const source of sources) {
    if (source.name === '-') continue;
    try {
      await source.checkHeader();
    } catch (err) {
      if (!(err instanceof ProducerError)) throw err;
      headerErrors.push(err);
    }
  }
  if (headerErrors.length === 1) throw headerErrors[0];
  if (headerErrors.length > 1) {
    throw new ProducerError(
      headerErrors[0]!.code,
      headerErrors.map((err) => err.message).join('\n'),
      { details: { inputs: headerErrors.map((err) => err.message) } },
    );
  }

  // A broker that has just started, or a topic a sink created a moment ago, answers "not yet"
  // for a while: ride it out rather than fail the whole file.
  const retry = { logger, ...(signal ? { signal } : {}) };
  await withKafkaStartRetry(
    'create the order-item and dead-letter topics',
    () =>
      ensureTopics(kafka, [
        { ...topicSpec(TOPICS.orderItems, settings.topic), numPartitions: settings.partitions },
        {
          ...topicSpec(TOPICS.orderItemsDlq, settings.deadLetterTopic),
          numPartitions: settings.partitions,
        },
      ]),
    retry,
  );
  const [partitions, deadLetterPartitions] = await withKafkaStartRetry(
    "read the topics' partition counts",
    () => partitionCounts(kafka, [settings.topic, settings.deadLetterTopic]),
    retry,
  );

  const emitter = new TopicEmitter({
    brokers: context.brokers,
    clientId: context.clientId ?? 'lakestream-producer',
    topic: settings.topic,
    partitions: partitions!,
    deadLetterTopic: settings.deadLetterTopic,
    deadLetterPartitions: deadLetterPartitions!,
    lanes: settings.lanes,
    batchMessages: settings.batchMessages,
    batchBytes: settings.batchBytes,
    lingerMs: settings.lingerMs,
    compression: settings.compression,
    ...(metrics ? { metrics } : {}),
    onAck: () => checkpoint?.update(emitter.ackedThrough()),
  });
  let checkpoint: CheckpointFile | undefined;
  const pacer = new Pacer(settings.pace, clock);
  const results: InputResult[] = [];
  let rowsRead = 0;
  let skipped = 0;
  let bytesDone = 0;
  let interrupted = false;
  const totalBytes = totalInputBytes(sources);

  const snapshot = (source: EventSource | undefined): ProgressSnapshot => ({
    rowsRead,
    valid: emitter.acknowledged.events,
    invalid: emitter.acknowledged.deadLetters,
    bytesRead: bytesDone + (source?.progress().bytesRead ?? 0),
    totalBytes,
    seconds: (clock.now() - started) / 1000,
  });

  try {
    await withKafkaStartRetry('connect the producer', () => emitter.connect(), retry);
    for (const source of sources) {
      if (signal?.aborted) {
        interrupted = true;
        break;
      }
      checkpoint =
        source.name === '-'
          ? undefined
          : await CheckpointFile.forInput(
              resolveLakestreamHome(settings.lakestreamHome),
              source.name,
              settings.topic,
            );
      const stored = settings.resume ? await checkpoint?.read() : undefined;
      const resumeAfter = stored?.row ?? 0;
      if (stored?.complete) {
        logger.info({ input: source.name, row: stored.row }, 'input already complete; skipped');
        skipped += stored.row;
        bytesDone += source.progress().totalBytes ?? 0;
        results.push({
          input: source.name,
          resumedAfterRow: resumeAfter,
          ackedThroughRow: stored.row,
          complete: true,
          checkpoint: checkpoint?.path,
        });
        continue;
      }
      if (resumeAfter > 0) logger.info({ input: source.name, row: resumeAfter }, 'resuming');
      // Connected and about to read: a caller timing a replay (runner live --duration) starts here.
      logger.info({ input: source.name }, 'streaming');
      emitter.startInput(resumeAfter);
      let finished = false;
      let failure: unknown;
      try {
        finished = await pump(source, resumeAfter);
      } catch (err) {
        failure = err;
      }
      // Deliver what was read (also after a source error: the rows before it are good).
      try {
        await emitter.drain();
      } catch (err) {
        failure ??= err;
      }
      const acked = emitter.ackedThrough();
      const complete = finished && failure === undefined;
      checkpoint?.update(acked, complete);
      await checkpoint?.flush();
      skipped += resumeAfter;
      bytesDone += source.progress().bytesRead;
      results.push({
        input: source.name,
        resumedAfterRow: resumeAfter,
        ackedThroughRow: acked,
        complete,
        checkpoint: checkpoint?.path,
      });
      if (failure !== undefined) throw failure;
      if (!finished) {
        interrupted = true;
        break;
      }
    }
  } finally {
    await emitter.close();
  }
  context.onProgress?.(snapshot(undefined));
  return {
    files: sources.length,
    rowsRead,
    valid: emitter.acknowledged.events,
    invalid: emitter.acknowledged.deadLetters,
    skipped,
    seconds: (clock.now() - started) / 1000,
    interrupted,
    inputs: results,
  };

  /** Streams one source into the emitter; true when it reached the end of the input. */
  async function pump(source: EventSource, resumeAfter: number): Promise<boolean> {
    const encoding = settings.encoding;
    for await (const chunk of source.items({
      ...(signal ? { signal } : {}),
      skipThroughRow: resumeAfter,
    })) {
      metrics?.receivedEvents.inc({ component: READER }, chunk.length);
      for (const item of chunk) {
        if (!pacer.bulk) {
          await pacer.wait(item.kind === 'event' ? item.eventTime : undefined, signal);
        }
        if (signal?.aborted) return false;
        const row = item.position.row;
        let wait: Promise<void> | undefined;
        if (item.kind === 'event' && !tooLarge(item.value)) {
          wait = emitter.addEvent(row, item.key, item.value);
        } else {
          const rejection: SourceRejection =
            item.kind === 'rejection' ? item : oversizedEvent(item.position, item.value);
          const record = deadLetterRecord(rejection, encoding);
          metrics?.discardedEvents.inc({ component: READER, reason: rejection.problems[0]!.code });
          wait = emitter.addDeadLetter(row, `${item.position.file}:${row}`, JSON.stringify(record));
        }
        rowsRead++;
        if (wait) await wait;
      }
      context.onProgress?.(snapshot(source));
      if (signal?.aborted) return false;
    }
    metrics?.receivedBytes.inc({ component: READER }, source.progress().bytesRead);
    return !signal?.aborted;
  }

  function tooLarge(value: string): boolean {
    // A string's UTF-8 size is at most 3 bytes per UTF-16 unit; only measure when it could matter.
    return (
      value.length * 3 > settings.maxMessageBytes &&
      Buffer.byteLength(value) > settings.maxMessageBytes
    );
  }

  function oversizedEvent(position: { file: string; row: number }, value: string): SourceRejection {
    const bytes = Buffer.byteLength(value);
    return {
      kind: 'rejection',
      position,
      problems: [
        {
          code: 'LS_PRODUCER_RECORD_TOO_LARGE',
          column: null,
          row: position.row,
          value: null,
          message: `record too large: its event is ${bytes} bytes, the limit is ${settings.maxMessageBytes}`,
        },
      ],
      raw: value.slice(0, settings.maxRawBytes),
      rawBytes: bytes,
      rawTruncated: value.length > settings.maxRawBytes,
    };
  }
}

async function partitionCounts(kafka: Kafka, topics: readonly string[]): Promise<number[]> {
  const admin = kafka.admin();
  await admin.connect();
  try {
    const metadata = await admin.fetchTopicMetadata({ topics: [...topics] });
    return topics.map((topic) => metadata.topics.find((t) => t.name === topic)!.partitions.length);
  } finally {
    await admin.disconnect();
  }
}

function totalInputBytes(sources: readonly CsvSource[]): number | undefined {
  let total = 0;
  for (const source of sources) {
    const size = source.progress().totalBytes;
    if (size === undefined) return undefined;
    total += size;
  }
  return total;
}
