import { Readable } from 'node:stream';
import { ensureTopics } from '@lakestream/kafka';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CheckpointFile, exitCodeFor, ProducerError, runProducer } from '../src/index.js';
import {
  brokers,
  COLUMN,
  csvText,
  deleteTopics,
  freshTopics,
  generatedRows,
  logger,
  parseRowDeadLetter,
  type ReadMessage,
  readTopic,
  settings,
  tempDir,
  testKafka,
  writeLatin1,
} from './helpers.js';

const kafka = testKafka();
const topics = freshTopics();
const ROWS = 5_000;
/** Rows (1-based data rows) damaged on purpose, and how. */
const DAMAGE: Record<number, (fields: string[]) => string[]> = {
  10: (f) => with_(f, 'Order Id', 'abc'),
  100: (f) => with_(f, 'Type', ''),
  2500: (f) => with_(with_(f, 'order date (DateOrders)', '13/45/2017 25:00'), 'Sales', '1,5'),
  4000: (f) => f.slice(0, 50),
  4999: (f) => with_(f, 'Market', 'Mars'),
};

function with_(fields: string[], header: string, value: string): string[] {
  const copy = [...fields];
  copy[COLUMN[header]!] = value;
  return copy;
}

let rows: string[][];
let events: ReadMessage[];
let deadLetters: ReadMessage[];
let result: Awaited<ReturnType<typeof runProducer>>;
let cleanup: () => Promise<void>;

beforeAll(async () => {
  const tmp = await tempDir();
  cleanup = tmp.cleanup;
  rows = generatedRows(ROWS);
  const damaged = rows.map((fields, i) => DAMAGE[i + 1]?.(fields) ?? fields);
  const file = await writeLatin1(`${tmp.dir}/orders.csv`, csvText(damaged));
  result = await runProducer(
    settings({ inputs: [file], ...topics, lakestreamHome: `${tmp.dir}/home` }),
    { kafka, brokers, logger },
  );
  [events, deadLetters] = await Promise.all([
    readTopic(kafka, topics.topic),
    readTopic(kafka, topics.deadLetterTopic),
  ]);
});

afterAll(async () => {
  await deleteTopics(kafka, [topics.topic, topics.deadLetterTopic]);
  await cleanup();
});

describe('a generated file with some damaged rows', () => {
  const damagedRows = Object.keys(DAMAGE).map(Number);
  const validRows = () =>
    Array.from({ length: ROWS }, (_, i) => i + 1).filter((row) => !damagedRows.includes(row));

  it('reports what it did', () => {
    expect(result).toMatchObject({
      files: 1,
      rowsRead: ROWS,
      valid: ROWS - damagedRows.length,
      invalid: damagedRows.length,
      interrupted: false,
    });
    expect(result.inputs[0]).toMatchObject({ complete: true, ackedThroughRow: ROWS });
  });

  it('puts exactly the valid rows on the topic, keyed by Order Id', () => {
    const parsed = events.map((m) => ({ ...m, event: JSON.parse(m.value) }));
    expect(parsed.map((m) => m.event.source.row).sort((a, b) => a - b)).toEqual(validRows());
    for (const m of parsed) {
      expect(m.key).toBe(String(m.event.order_id));
      expect(m.key).toBe(rows[m.event.source.row - 1]![COLUMN['Order Id']!]);
    }
  });

  it("keeps each order's items in one partition, in file order", () => {
    const byKey = new Map<string, { partition: number; row: number }[]>();
    for (const m of events) {
      const list = byKey.get(m.key!) ?? [];
      list.push({ partition: m.partition, row: JSON.parse(m.value).source.row });
      byKey.set(m.key!, list);
    }
    expect(byKey.size).toBeGreaterThan(1_000);
    for (const list of byKey.values()) {
      expect(new Set(list.map((x) => x.partition)).size).toBe(1);
      // `events` is sorted by partition and offset, so this is the order on the partition.
      const rowsInOrder = list.map((x) => x.row);
      expect(rowsInOrder).toEqual([...rowsInOrder].sort((a, b) => a - b));
    }
    expect(new Set(events.map((m) => m.partition)).size).toBe(3);
  });

  it('decodes latin-1: accents arrive intact', () => {
    const withAccent = events
      .map((m) => JSON.parse(m.value))
      .filter((e) => /[áéíóúñ]/.test(`${e.order_country}${e.customer_country}${e.order_city}`));
    expect(withAccent.length).toBeGreaterThan(0);
    expect(events.some((m) => m.value.includes('México'))).toBe(true);
    for (const e of withAccent.slice(0, 50)) {
      const source = rows[e.source.row - 1]!;
      expect(e.order_country).toBe(source[COLUMN['Order Country']!]);
      expect(e.order_city).toBe(source[COLUMN['Order City']!]);
    }
  });

  it('sends each damaged row to the dead-letter topic with its raw line and every reason', () => {
    const records = deadLetters.map((m) => parseRowDeadLetter(m.value));
    expect(records.map((r) => r.source.row).sort((a, b) => a - b)).toEqual(damagedRows);
    const byRow = new Map(records.map((r) => [r.source.row, r]));
    expect(byRow.get(10)!.reasons).toEqual([
      {
        code: 'LS_SCHEMA_INTEGER',
        message: 'expected an integer',
        column: 'Order Id',
        value: 'abc',
      },
    ]);
    expect(byRow.get(100)!.reasons).toMatchObject([{ code: 'LS_SCHEMA_REQUIRED', column: 'Type' }]);
    expect(byRow.get(2_500)!.reasons.map((p) => p.column)).toEqual([
      'order date (DateOrders)',
      'Sales',
    ]);
    expect(byRow.get(4_000)!.reasons).toMatchObject([
      {
        code: 'LS_SCHEMA_FIELD_COUNT',
        column: null,
        message: 'expected 53 fields, found 50',
      },
    ]);
    expect(byRow.get(4_999)!.reasons[0]!.column).toBe('Market');
    for (const record of records) {
      expect(record).toMatchObject({
        dlq_version: 1,
        component: 'producer',
        raw_encoding: 'utf8',
        raw_truncated: false,
      });
      expect(record.source.encoding).toBe('latin1');
      expect(record.source.file).toMatch(/orders\.csv$/);
      expect(Date.parse(record.failed_at)).not.toBeNaN();
      expect(record.raw).not.toMatch(/\n$/);
      expect(record.raw_bytes).toBe(Buffer.byteLength(record.raw, 'latin1') + 1);
    }
    expect(byRow.get(10)!.raw.split(',')[COLUMN['Order Id']!]).toBe('abc');
  });
});

describe('standard input', () => {
  const stdinTopics = freshTopics();
  afterAll(() => deleteTopics(kafka, [stdinTopics.topic, stdinTopics.deadLetterTopic]));

  it('reads - from stdin (no checkpoint: a stream cannot be resumed)', async () => {
    const bytes = Buffer.from(csvText(generatedRows(50, 3)), 'latin1');
    const chunks = Array.from({ length: Math.ceil(bytes.length / 1000) }, (_, i) =>
      bytes.subarray(i * 1000, (i + 1) * 1000),
    );
    const tmp = await tempDir();
    try {
      const run = await runProducer(
        settings({ inputs: ['-'], ...stdinTopics, lakestreamHome: `${tmp.dir}/home` }),
        { kafka, brokers, logger, stdin: Readable.from(chunks) },
      );
      expect(run).toMatchObject({ rowsRead: 50, valid: 50, invalid: 0 });
      expect(run.inputs[0]).toMatchObject({ input: '-', complete: true, checkpoint: undefined });
      const events = await readTopic(kafka, stdinTopics.topic);
      expect(events.map((m) => JSON.parse(m.value).source)).toContainEqual({ file: '-', row: 50 });
    } finally {
      await tmp.cleanup();
    }
  });
});

describe('a broker that refuses the batches', () => {
  const refused = freshTopics();
  afterAll(() => deleteTopics(kafka, [refused.topic, refused.deadLetterTopic]));

  it('stops with LS_PRODUCER_SEND_FAILED and checkpoints no unacknowledged row', async () => {
    // Every event is larger than this topic accepts: a permanent error, not retried.
    await ensureTopics(kafka, [
      { topic: refused.topic, numPartitions: 3, configEntries: { 'max.message.bytes': '1024' } },
    ]);
    const tmp = await tempDir();
    try {
      const file = await writeLatin1(`${tmp.dir}/orders.csv`, csvText(generatedRows(30, 9)));
      const home = `${tmp.dir}/home`;
      const err = (await runProducer(
        settings({ inputs: [file], ...refused, lakestreamHome: home }),
        {
          kafka,
          brokers,
          logger,
        },
      ).catch((e: unknown) => e)) as ProducerError;
      expect(err).toBeInstanceOf(ProducerError);
      expect(err.code).toBe('LS_PRODUCER_SEND_FAILED');
      expect(err.message).toMatch(/Kafka did not acknowledge rows \d+–\d+/);
      expect(exitCodeFor(err)).toBe(1);
      const stored = await (await CheckpointFile.forInput(home, file, refused.topic)).read();
      expect(stored?.row ?? 0).toBe(0);
      expect(stored?.complete ?? false).toBe(false);
    } finally {
      await tmp.cleanup();
    }
  });
});
