import { parseArgs } from 'node:util';
import { createKafka, TOPICS } from '@lakestream/kafka';
import { createLogger } from '@lakestream/observability';
import {
  auditRowCount,
  bronzeManifestTotals,
  topicMessageCount,
  waitForCatchUp,
} from './streaming-counts.js';

const USAGE = `usage: runner streaming-report [--wait] [--timeout SECONDS]

Counts what each streaming stage holds: messages on the order-item topic and its DLQ, committed
bronze objects and records (from the manifests), rows in the PostgreSQL audit table.
--wait first waits until both sinks have committed everything on the topic.`;

async function main(): Promise<number> {
  const { values, positionals } = parseArgs({
    allowPositionals: true,
    options: {
      wait: { type: 'boolean' },
      timeout: { type: 'string', default: '300' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  if (values.help || positionals[0] !== 'streaming-report') {
    console.log(USAGE);
    return values.help ? 0 : 2;
  }
  const logger = createLogger({ service: 'runner', level: 'warn', destination: process.stderr });
  const kafka = createKafka({
    brokers: (process.env.KAFKA_BROKERS ?? '127.0.0.1:9092').split(','),
    clientId: 'lakestream-runner',
    logger,
  });
  const began = Date.now();
  if (values.wait) await waitForCatchUp(kafka, { timeoutMs: Number(values.timeout) * 1000 });
  const [events, dlq, bronze, audit] = await Promise.all([
    topicMessageCount(kafka, TOPICS.orderItems),
    topicMessageCount(kafka, TOPICS.orderItemsDlq),
    bronzeManifestTotals(kafka),
    process.env.DATABASE_URL
      ? auditRowCount(process.env.DATABASE_URL)
      : Promise.resolve(Number.NaN),
  ]);
  const rows: [string, string][] = [
    [TOPICS.orderItems, `${events.toLocaleString('en')} messages`],
    [TOPICS.orderItemsDlq, `${dlq.toLocaleString('en')} rejected rows`],
    [
      'bronze objects (manifests)',
      `${bronze.objects.toLocaleString('en')} objects, ${bronze.records.toLocaleString('en')} records`,
    ],
    ['bronze.order_item_events', `${audit.toLocaleString('en')} rows`],
  ];
  if (values.wait) rows.push(['caught up after', `${((Date.now() - began) / 1000).toFixed(1)} s`]);
  for (const [what, count] of rows) console.log(`  ${what.padEnd(32)} ${count}`);
  return bronze.records === events && audit === events ? 0 : 1;
}

main().then(
  (code) => {
    process.exitCode = code;
  },
  (err: unknown) => {
    console.error(`runner: ${(err as Error).message}`);
    process.exitCode = 1;
  },
);
