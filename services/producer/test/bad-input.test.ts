import { writeFile } from 'node:fs/promises';
import { ORDER_ITEM_HEADERS } from '@lakestream/schema';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ProducerError, runProducer } from '../src/index.js';
import {
  brokers,
  COLUMN,
  csvText,
  deleteTopics,
  freshTopics,
  generatedRows,
  logger,
  parseRowDeadLetter,
  readTopic,
  settings,
  tempDir,
  testKafka,
  topicExists,
  writeLatin1,
} from './helpers.js';

const kafka = testKafka();
const created: string[] = [];
let dir: string;
let cleanup: () => Promise<void>;
const rows = generatedRows(20, 11);

beforeAll(async () => {
  ({ dir, cleanup } = await tempDir());
});
afterAll(async () => {
  await deleteTopics(kafka, created);
  await cleanup();
});

/** Runs the producer on one file with fresh topics; returns the result and what landed. */
async function produce(
  file: string,
  parser: 'fast' | 'csv-parse',
  extra: Partial<Parameters<typeof settings>[0]> = {},
) {
  const topics = freshTopics();
  created.push(topics.topic, topics.deadLetterTopic);
  const result = await runProducer(
    settings({ inputs: [file], ...topics, lakestreamHome: `${dir}/home`, parser, ...extra }),
    { kafka, brokers, logger },
  );
  const [events, deadLetters] = await Promise.all([
    readTopic(kafka, topics.topic),
    readTopic(kafka, topics.deadLetterTopic),
  ]);
  return {
    result,
    rows: events.map((m) => JSON.parse(m.value).source.row as number).sort((a, b) => a - b),
    events: events.map((m) => JSON.parse(m.value)),
    deadLetters: deadLetters.map((m) => parseRowDeadLetter(m.value)),
  };
}

const range = (from: number, to: number) =>
  Array.from({ length: to - from + 1 }, (_, i) => from + i);

describe.each(['fast', 'csv-parse'] as const)('bad input (parser %s)', (parser) => {
  it('refuses a wrong header naming the missing and unexpected columns, producing nothing', async () => {
    const header: string[] = [...ORDER_ITEM_HEADERS];
    header[COLUMN['Order Id']!] = 'Order Idx';
    header.push('Coupon Code');
    const file = await writeLatin1(
      `${dir}/${parser}-bad-header.csv`,
      csvText(
        rows.map((r) => [...r, 'X']),
        header,
      ),
    );
    const topics = freshTopics();
    created.push(topics.topic, topics.deadLetterTopic);
    const run = runProducer(
      settings({ inputs: [file], ...topics, lakestreamHome: `${dir}/home`, parser }),
      {
        kafka,
        brokers,
        logger,
      },
    );
    const err = (await run.catch((e: unknown) => e)) as ProducerError;
    expect(err).toBeInstanceOf(ProducerError);
    expect(err.code).toBe('LS_PRODUCER_BAD_HEADER');
    expect(err.message).toContain('missing column "Order Id"');
    expect(err.message).toContain('unexpected column "Order Idx"');
    expect(err.message).toContain('unexpected column "Coupon Code"');
    expect(err.details).toMatchObject({
      missing: ['Order Id'],
      unexpected: ['Order Idx', 'Coupon Code'],
    });
    expect(await topicExists(kafka, topics.topic)).toBe(false);
  });

  it('sends a short row to the dead-letter topic and carries on', async () => {
    const lines = rows.map((r, i) => (i === 4 ? r.slice(0, 20) : r));
    const file = await writeLatin1(`${dir}/${parser}-short.csv`, csvText(lines));
    const { rows: sent, deadLetters } = await produce(file, parser);
    expect(sent).toEqual(range(1, 20).filter((r) => r !== 5));
    expect(deadLetters).toHaveLength(1);
    expect(deadLetters[0]!.source.row).toBe(5);
    expect(deadLetters[0]!.reasons).toEqual([
      {
        code: 'LS_SCHEMA_FIELD_COUNT',
        message: 'expected 53 fields, found 20',
        column: null,
        value: null,
      },
    ]);
  });

  it('with --encoding utf-8, sends rows with undecodable bytes to the dead-letter topic', async () => {
    // A UTF-8 file (accents as two bytes) in which row 3 carries one latin-1 byte.
    const text = csvText(rows);
    const lines = text.split('\n');
    const bad = Buffer.concat([
      Buffer.from(lines[3]!.replace(/,[^,]*$/, ',Standard Cl'), 'utf8'),
      Buffer.from([0xe9]),
      Buffer.from('ss', 'utf8'),
    ]);
    const bytes = Buffer.concat([
      Buffer.from(`${lines.slice(0, 3).join('\n')}\n`, 'utf8'),
      bad,
      Buffer.from(`\n${lines.slice(4).join('\n')}`, 'utf8'),
    ]);
    const file = `${dir}/${parser}-utf8.csv`;
    await writeFile(file, bytes);
    const { rows: sent, events, deadLetters } = await produce(file, parser, { encoding: 'utf8' });
    expect(sent).toEqual(range(1, 20).filter((r) => r !== 3));
    expect(deadLetters).toHaveLength(1);
    expect(deadLetters[0]!.source.row).toBe(3);
    expect(deadLetters[0]!.reasons).toHaveLength(2);
    expect(deadLetters[0]!.reasons[0]).toMatchObject({
      code: 'LS_PRODUCER_UNDECODABLE',
      column: 'Shipping Mode',
    });
    // The garbled value then also fails the schema: every reason is listed.
    expect(deadLetters[0]!.reasons[1]).toMatchObject({
      code: 'LS_SCHEMA_NOT_ALLOWED',
      column: 'Shipping Mode',
    });
    // Valid UTF-8 accents elsewhere decode as such.
    const accented = events.find((e) => /[^ -~]/.test(e.order_city + e.order_country));
    expect(accented).toBeDefined();
    expect(accented.order_city).toBe(rows[accented.source.row - 1]![COLUMN['Order City']!]);
  });

  it('sends a truncated last line to the dead-letter topic, after every earlier row', async () => {
    const text = csvText(rows);
    const file = await writeLatin1(
      `${dir}/${parser}-truncated.csv`,
      text.slice(0, text.length - 120),
    );
    const { rows: sent, deadLetters, result } = await produce(file, parser);
    expect(sent).toEqual(range(1, 19));
    expect(deadLetters).toHaveLength(1);
    expect(deadLetters[0]!.source.row).toBe(20);
    expect(deadLetters[0]!.reasons[0]!.code).toBe('LS_SCHEMA_FIELD_COUNT');
    expect(result.inputs[0]).toMatchObject({ complete: true, ackedThroughRow: 20 });
  });

  it('sends a last line cut inside a quoted field to the dead-letter topic', async () => {
    const cut = [...rows[19]!];
    cut[COLUMN['Product Name']!] = 'Pack, "Deluxe"';
    const text = csvText([...rows.slice(0, 19), cut]);
    const file = await writeLatin1(
      `${dir}/${parser}-open-quote.csv`,
      text.slice(0, text.indexOf('Deluxe')),
    );
    const { rows: sent, deadLetters } = await produce(file, parser);
    expect(sent).toEqual(range(1, 19));
    expect(deadLetters).toHaveLength(1);
    expect(deadLetters[0]!.source.row).toBe(20);
    expect(deadLetters[0]!.reasons[0]).toMatchObject({ code: 'LS_PRODUCER_CSV_SYNTAX' });
    expect(deadLetters[0]!.raw).toMatch(/"Pack, ""$/);
  });

  it('refuses an empty (0-byte) file with a clear error', async () => {
    const file = `${dir}/${parser}-empty.csv`;
    await writeFile(file, '');
    const topics = freshTopics();
    const err = (await runProducer(
      settings({ inputs: [file], ...topics, lakestreamHome: `${dir}/home`, parser }),
      { kafka, brokers, logger },
    ).catch((e: unknown) => e)) as ProducerError;
    expect(err).toBeInstanceOf(ProducerError);
    expect(err.code).toBe('LS_PRODUCER_INPUT_EMPTY');
    expect(err.message).toMatch(/empty\.csv: the input is empty \(0 bytes\)/);
  });

  it('accepts a header-only file as 0 rows', async () => {
    const file = await writeLatin1(`${dir}/${parser}-header-only.csv`, csvText([]));
    const { result, rows: sent } = await produce(file, parser);
    expect(sent).toEqual([]);
    expect(result).toMatchObject({ rowsRead: 0, valid: 0, invalid: 0, interrupted: false });
    expect(result.inputs[0]!.complete).toBe(true);
  });

  it('sends a row with a 10 MB field to the dead-letter topic as too large, cut, and carries on', async () => {
    const huge = [...rows[2]!];
    huge[COLUMN['Product Description']!] = 'x'.repeat(10 * 1024 * 1024);
    const lines = rows.map((r, i) => (i === 2 ? huge : r));
    const file = await writeLatin1(`${dir}/${parser}-huge.csv`, csvText(lines));
    const { rows: sent, deadLetters } = await produce(file, parser);
    expect(sent).toEqual(range(1, 20).filter((r) => r !== 3));
    expect(deadLetters).toHaveLength(1);
    const record = deadLetters[0]!;
    expect(record.source.row).toBe(3);
    expect(record.reasons[0]!.code).toBe('LS_PRODUCER_RECORD_TOO_LARGE');
    expect(record.reasons[0]!.message).toMatch(
      /^record too large: \d+ bytes, the limit is 262144$/,
    );
    expect(record.raw_truncated).toBe(true);
    expect(record.raw_bytes).toBeGreaterThan(10 * 1024 * 1024);
    expect(record.raw.length).toBe(64 * 1024);
  });
});
