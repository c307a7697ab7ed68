/**
 * The producer's environment: one schema (prefix `PRODUCER_`, plus the shared `KAFKA_BROKERS`,
 * `LAKESTREAM_HOME`, …), validated at start-up with every problem reported at once. Command-line
 * flags override these values (see cli-options.ts).
 */
import { commonFields, defineConfig, envVar, field } from '@lakestream/config';
import { TOPIC_NAME, TOPICS } from '@lakestream/kafka';

const POSITIVE_NUMBER = /^(?:\d+(?:\.\d*)?|\.\d+)$/;

/** The producer's configuration definition. */
export const producerConfig = defineConfig({
  prefix: 'PRODUCER_',
  fields: {
    logLevel: commonFields.logLevel,
    lakestreamHome: commonFields.lakestreamHome,
    kafkaBrokers: commonFields.kafkaBrokers,
    kafkaClientId: { ...commonFields.kafkaClientId, default: 'lakestream-producer' },
    shutdownGraceMs: commonFields.shutdownGraceMs,
    metricsHost: commonFields.metricsHost,
    /** Topic of the validated events. */
    topic: field('PRODUCER_TOPIC', envVar.string(TOPIC_NAME), {
      doc: 'Topic of the validated order-item events.',
      default: TOPICS.orderItems,
    }),
    /** Dead-letter topic. */
    deadLetterTopic: field('PRODUCER_DLQ_TOPIC', envVar.string(TOPIC_NAME), {
      doc: 'Topic of the rejected rows (dead letters).',
      default: TOPICS.orderItemsDlq,
    }),
    /** Partitions when the producer creates the topics. */
    partitions: field('PRODUCER_PARTITIONS', envVar.int({ min: 1, max: 1000 }), {
      doc: 'Partitions of the topics when the producer has to create them.',
      default: '3',
    }),
    /** Input encoding. */
    encoding: field('PRODUCER_ENCODING', envVar.enum(['latin1', 'utf8']), {
      doc: 'Encoding of the CSV input (the DataCo file is latin-1).',
      default: 'latin1',
    }),
    /** CSV parser. */
    parser: field('PRODUCER_PARSER', envVar.enum(['fast', 'csv-parse']), {
      doc: 'CSV parser: fast (default) or csv-parse (the slower reference implementation).',
      default: 'fast',
    }),
    /** Longest row accepted, in bytes. */
    maxRecordBytes: field(
      'PRODUCER_MAX_RECORD_BYTES',
      envVar.int({ min: 1024, max: 16 * 1024 * 1024 }),
      {
        doc: 'A row longer than this (bytes) goes to the dead-letter topic as "record too large".',
        default: String(256 * 1024),
      },
    ),
    /** Bytes of a rejected row kept in its dead-letter record. */
    maxRawBytes: field('PRODUCER_MAX_RAW_BYTES', envVar.int({ min: 256, max: 512 * 1024 }), {
      doc: 'At most this many bytes of a rejected row are copied into its dead-letter record.',
      default: String(64 * 1024),
    }),
    /** Largest event value. */
    maxMessageBytes: field('PRODUCER_MAX_MESSAGE_BYTES', envVar.int({ min: 1024 }), {
      doc: "Largest event value sent (keep below the broker's message.max.bytes); bigger ones are dead letters.",
      default: '1000000',
    }),
    /** Messages per batch. */
    batchMessages: field('PRODUCER_BATCH_SIZE', envVar.int({ min: 1, max: 100_000 }), {
      doc: 'Messages per produce request (per lane).',
      default: '1000',
    }),
    /** Bytes per batch. */
    batchBytes: field('PRODUCER_BATCH_BYTES', envVar.int({ min: 1024, max: 64 * 1024 * 1024 }), {
      doc: "Bytes of keys and values per produce request; keep below the broker's message.max.bytes uncompressed.",
      default: '900000',
    }),
    /** Linger of a partial batch. */
    lingerMs: field('PRODUCER_LINGER', envVar.duration({ min: 0, max: 60_000 }), {
      doc: 'An idle lane sends a partial batch once its oldest message has waited this long.',
      default: '20ms',
    }),
    /** Parallel producers. */
    lanes: field('PRODUCER_LANES', envVar.int({ min: 1, max: 64 }), {
      doc: 'Parallel idempotent producers, each owning a share of the partitions (in-flight batches).',
      default: '3',
    }),
    /** Compression codec. */
    compression: field('PRODUCER_COMPRESSION', envVar.enum(['none', 'gzip']), {
      doc: 'Compression of produce requests.',
      default: 'none',
    }),
    /** Fixed replay rate. */
    rate: field('PRODUCER_RATE', envVar.int({ min: 1 }).optional(), {
      doc: 'Replay at this many rows per second instead of as fast as possible.',
    }),
    /** Event-time replay speed-up. */
    speedup: field(
      'PRODUCER_SPEEDUP',
      envVar.string({ pattern: POSITIVE_NUMBER, expected: 'a positive number' }).optional(),
      { doc: 'Replay along the order dates, this many times faster than real time.' },
    ),
    /** Longest pause of an event-time replay. */
    maxGapMs: field('PRODUCER_MAX_GAP', envVar.duration({ min: 0 }), {
      doc: 'Longest pause between two rows in an event-time replay.',
      default: '10s',
    }),
    /** Resume from checkpoints. */
    resume: field('PRODUCER_RESUME', envVar.bool(), {
      doc: 'Skip the rows each input checkpoint says were acknowledged.',
      default: 'false',
    }),
    /** Port of the health/metrics server; none when unset. */
    metricsPort: field('PRODUCER_METRICS_PORT', envVar.port().optional(), {
      doc: 'Serve /healthz, /readyz and /metrics on this port while running (none when unset).',
    }),
  },
});
