// The bronze sink's throughput on the full sample size, beside the reference
// `kcat -C -e -o beginning | gzip -<level> > file` on the same topic: both read every message once and
// write it gzip'd (at the sink's level) to the local disk. Figures are printed, never asserted.
//
//   pnpm --filter @lakestream/bronze-sink bench   (BENCH_RECORDS=…, BENCH_RUNS=… to change size, runs)
import { spawn, spawnSync } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdtemp, rm, stat } from 'node:fs/promises';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { loadConfig } from '@lakestream/config';
import { ensureStack } from '@lakestream/devstack';
import { createKafka, ensureTopics } from '@lakestream/kafka';
import { createLocalStore, listAll } from '@lakestream/object-store';
import { createLogger, createMetrics } from '@lakestream/observability';
import { bronzeSinkConfig, createBronzeSink } from '../src/index.js';

const RECORDS = Number(process.env.BENCH_RECORDS ?? 180_519);
const RUNS = Number(process.env.BENCH_RUNS ?? 3);
const PARTITIONS = 3;
const VALUE_BYTES = 1_000;
/** The sink's default level, as every other setting here; the reference uses it too. */
const GZIP_LEVEL = loadConfig(bronzeSinkConfig, {}).gzipLevel;

const say = (message: string) => process.stderr.write(`[bench] ${message}\n`);
const stack = await ensureStack({ services: ['kafka'], progress: say });
const brokers = stack.env.KAFKA_BROKERS!;
const logger = createLogger({ service: 'bronze-sink-bench', level: 'warn' });
const kafka = createKafka({ brokers: brokers.split(','), clientId: 'bronze-sink-bench', logger });
// As long as the real topic's name (every line carries it): a longer one would cost gzip time.
const topic = `bench.order_items.${randomUUID().slice(0, 7)}`;
const manifestTopic = `bench-bronze-manifests-${randomUUID()}`;
const groupPrefix = `bench-bronze-${randomUUID()}`;
const groups: string[] = [];
const work = await mkdtemp(join(tmpdir(), 'bronze-bench-'));
const admin = kafka.admin();
await admin.connect();

/** An order-item-like JSON value of about VALUE_BYTES bytes (DataCo-ish columns, padded). */
function orderItem(i: number): string {
  const row: Record<string, unknown> = {
    type: i % 4 === 0 ? 'DEBIT' : 'TRANSFER',
    days_for_shipping_real: i % 6,
    benefit_per_order: 91.25 - (i % 50),
    delivery_status: 'Advance shipping',
    late_delivery_risk: i % 2,
    category_id: 73,
    category_name: 'Sporting Goods',
    customer_city: 'Caguas',
    customer_country: 'Puerto Rico',
    customer_fname: 'Cally',
    customer_id: 20_755 + (i % 9_000),
    customer_lname: 'Holloway',
    customer_segment: 'Consumer',
    customer_state: 'PR',
    department_name: 'Fitness',
    latitude: 18.2514534,
    longitude: -66.03705597,
    market: 'Pacific Asia',
    order_city: 'Bekasi',
    order_country: 'Indonesia',
    order_date: '1/31/2018 22:56',
    order_id: 77_202 + Math.floor(i / 3),
    order_item_discount: 13.11,
    order_item_discount_rate: 0.04,
    order_item_id: 180_517 - i,
    order_item_product_price: 327.75,
    order_item_profit_ratio: 0.29,
    order_item_quantity: 1,
    sales: 327.75,
    order_item_total: 314.64,
    order_region: 'Southeast Asia',
    order_state: 'Java Occidental',
    order_status: 'COMPLETE',
    product_name: 'Smart watch',
    product_price: 327.75,
    shipping_date: '2/3/2018 22:56',
    shipping_mode: 'Standard Class',
  };
  const text = JSON.stringify(row);
  // Pad with a varying comment so that the values are not all alike (gzip would flatter both).
  const pad = Math.max(0, VALUE_BYTES - Buffer.byteLength(text) - 12);
  const note = `order ${i} shipped ${i % 7} days late; `.repeat(8).slice(0, pad);
  return `${text.slice(0, -1)},"note":"${note}"}`;
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)]!;
}

function rate(records: number, bytes: number, ms: number): string {
  return `${Math.round((records / ms) * 1000).toLocaleString('en')} records/s, ${((bytes / 1_048_576 / ms) * 1000).toFixed(1)} MB/s`;
}

try {
  await ensureTopics(kafka, [{ topic, numPartitions: PARTITIONS }]);
  say(`producing ${RECORDS.toLocaleString('en')} messages of ~${VALUE_BYTES} bytes to ${topic}`);
  const producer = kafka.producer({ idempotent: true, maxInFlightRequests: 1 });
  await producer.connect();
  let valueBytes = 0;
  const produceStarted = performance.now();
  for (let from = 0; from < RECORDS; from += 2_000) {
    const messages = [];
    for (let i = from; i < Math.min(RECORDS, from + 2_000); i++) {
      const value = orderItem(i);
      valueBytes += Buffer.byteLength(value);
      messages.push({ partition: i % PARTITIONS, key: String(i), value });
    }
    await producer.send({ topic, acks: -1, messages });
  }
  await producer.disconnect();
  say(
    `produced in ${Math.round(performance.now() - produceStarted)} ms (${(valueBytes / 1_048_576).toFixed(1)} MB of values)`,
  );

  // The manifest topic exists in steady state: create it outside the timed part.
  await ensureTopics(kafka, [{ topic: manifestTopic }]);
  const hasKcat = spawnSync('sh', ['-c', 'command -v kcat'], { stdio: 'ignore' }).status === 0;
  if (!hasKcat) say('kcat is not installed (Debian: apt-get install -y kcat): reference skipped');

  const sinkRuns: number[] = [];
  const kcatRuns: number[] = [];
  let objectCount = 0;
  let objectBytes = 0;
  let kcatBytes = 0;
  for (let run = 1; run <= RUNS; run++) {
    const sinkMs = await timeSink(run);
    sinkRuns.push(sinkMs.ms);
    objectCount = sinkMs.objects;
    objectBytes = sinkMs.bytes;
    let line = `run ${run}: bronze sink ${Math.round(sinkMs.ms)} ms`;
    if (hasKcat) {
      const kcat = await timeKcat(run);
      kcatRuns.push(kcat.ms);
      kcatBytes = kcat.bytes;
      line += `, kcat | gzip ${Math.round(kcat.ms)} ms`;
    }
    say(`${line} (load average ${loadavg()[0]!.toFixed(1)})`);
  }

  const sinkMs = median(sinkRuns);
  console.log(
    `\nbronze sink vs kcat | gzip: ${RECORDS.toLocaleString('en')} records of ~${VALUE_BYTES} B (${(valueBytes / 1_048_576).toFixed(1)} MB), ${PARTITIONS} partitions, gzip -${GZIP_LEVEL} both, local disk; median of ${RUNS} runs on ${cpus().length} CPUs`,
  );
  console.log(
    `  bronze sink  ${Math.round(sinkMs)} ms  ${rate(RECORDS, valueBytes, sinkMs)}  (${objectCount} objects, ${(objectBytes / 1_048_576).toFixed(1)} MB gzip; start, fence, write, commit included)`,
  );
  if (hasKcat) {
    const kcatMs = median(kcatRuns);
    console.log(
      `  kcat | gzip  ${Math.round(kcatMs)} ms  ${rate(RECORDS, valueBytes, kcatMs)}  (${(kcatBytes / 1_048_576).toFixed(1)} MB gzip)`,
    );
    console.log(`  ratio (sink throughput / kcat throughput): ${(kcatMs / sinkMs).toFixed(2)}`);
  }

  /** One sink run from scratch (its own group and folder), until every record is committed. */
  async function timeSink(run: number): Promise<{ ms: number; objects: number; bytes: number }> {
    const groupId = `${groupPrefix}-${run}`;
    groups.push(groupId);
    const store = createLocalStore(join(work, `lake-${run}`));
    const metrics = createMetrics({ service: 'bronze-sink-bench', defaultMetrics: false });
    const sink = createBronzeSink({
      settings: {
        topics: [topic],
        groupId,
        manifestTopic,
        instanceId: 'bench',
        maxRecords: 50_000,
        maxBytes: 67_108_864,
        idleFlushMs: 5_000,
        maxBufferAgeMs: 60_000,
        gzipLevel: GZIP_LEVEL,
        sessionTimeoutMs: 30_000,
        rebalanceTimeoutMs: 60_000,
        heartbeatIntervalMs: 3_000,
        transactionTimeoutMs: 60_000,
        fetchMaxBytesPerPartition: 1_048_576,
        fetchMaxWaitMs: 500,
      },
      kafka,
      store,
      logger,
      metrics,
    });
    const started = performance.now();
    await sink.start();
    // Until every record is taken in, then drain as a shutdown does (close the last buffers,
    // commit): the clock stops when the last object is durable and committed, without waiting
    // for the idle timeout.
    for (;;) {
      const taken = (await metrics.receivedEvents.get()).values[0]?.value ?? 0;
      if (taken >= RECORDS) break;
      await sleep(10);
    }
    await sink.stopIntake();
    await sink.flush();
    await sink.commit();
    const ms = performance.now() - started;
    await sink.close();
    const committed = (await metrics.sentEvents.get()).values[0]?.value ?? 0;
    if (committed !== RECORDS) throw new Error(`run ${run}: ${committed} records committed`);
    const objects = await listAll(store, 'bronze/');
    return { ms, objects: objects.length, bytes: objects.reduce((sum, o) => sum + o.size, 0) };
  }

  /** The reference: every message once, value per line, through gzip at the sink's level to a file. */
  async function timeKcat(run: number): Promise<{ ms: number; bytes: number }> {
    const out = join(work, `kcat-${run}.jsonl.gz`);
    const command = `kcat -C -q -b "${brokers}" -t "${topic}" -e -o beginning | gzip -${GZIP_LEVEL} > "${out}"`;
    const started = performance.now();
    const code = await new Promise<number | null>((resolve) => {
      spawn('sh', ['-c', command], { stdio: 'inherit' }).on('exit', resolve);
    });
    const ms = performance.now() - started;
    if (code !== 0) throw new Error(`kcat | gzip exited with ${code}`);
    return { ms, bytes: (await stat(out)).size };
  }
} finally {
  await admin.deleteTopics({ topics: [topic, manifestTopic] }).catch(() => {});
  await admin.deleteGroups(groups).catch(() => {});
  await admin.disconnect();
  await rm(work, { recursive: true, force: true });
  await stack.stop();
}
