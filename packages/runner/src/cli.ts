import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { createKafka, TOPICS } from '@lakestream/kafka';
import { openObjectStore } from '@lakestream/object-store';
import { createLogger, type Logger } from '@lakestream/observability';
import { waitForCatchUp } from './catch-up.js';
import { runCloudPipeline } from './cloud-pipeline.js';
import { parseCloudBigquery } from './cloud-run.js';
import { formatLiveReport } from './live-report.js';
import { runLive } from './live-run.js';
import { runPipeline } from './pipeline-run.js';
import { formatRunReport } from './run-report.js';
import {
  auditRowCount,
  bronzeManifestTotals,
  STREAMING_GROUPS,
  topicMessageCount,
} from './streaming-counts.js';
import { backgroundService } from './supervision.js';

const USAGE = `usage: runner streaming-report [--wait] [--timeout SECONDS]
       runner run [--timeout SECONDS] FILE.csv [FILE2.csv …]
       runner run --cloud [--bigquery private|google|http://HOST:PORT] [--compare] FILE.csv …
       runner live [--rate ROWS_PER_S] [--duration SECONDS] FILE.csv

streaming-report  counts what each streaming stage holds: messages on the order-item topic and its
                  DLQ, committed bronze objects and records (from the manifests), audit rows.
                  --wait first waits until both sinks have committed everything on the topic.
run               streams the files, in order, through the whole pipeline (the sinks must be
                  running: ./commands.sh run starts them), waits for every stage, and prints per
                  stage records in/out/rejected and wall time, then the gold row counts. Exits 0
                  only if every stage succeeded and each stage's counts match the one before.
                  The sinks started in the background (pid files in $LAKESTREAM_HOME/run) are
                  watched: one that dies or stops answering fails the run at once, with its last
                  log lines. Ctrl-C or SIGTERM stops the run within seconds (exit 130).
                  --cloud: the lake is the gs:// one of WAREHOUSE_LOADER_STORAGE_URL (its bucket
                  created on fake-gcs-server), the loader writes BigQuery and dbt builds
                  --target bigquery; --bigquery private (default) starts an emulator of the
                  run's own and stops it after, http://HOST:PORT uses that emulator, google
                  Google's BigQuery (LAKESTREAM_BQ_PROJECT, application-default credentials).
                  Prints the dashboard summary read from BigQuery and the run's bytes processed.
                  --compare also loads the same silver into a fresh DuckDB warehouse, builds it
                  with dbt and compares every gold table (exit 1 unless all 7 are equal).
live              replays FILE at --rate rows/s (default 200) for --duration seconds (default 120)
                  through a transformer and a loader worker it starts and a resident dbt that
                  refreshes gold.overall_performance on each applied batch; then drains every
                  stage (each at most --timeout) and prints the freshness (produce → visible in
                  gold) – median, p95, max – and the time per stage. Exit 1 if a stage failed or
                  a row produced did not reach gold.`;

const root = resolve(import.meta.dirname, '../../..');
const home = process.env.LAKESTREAM_HOME ?? join(root, '.lakestream');

async function main(): Promise<number> {
  const { values, positionals } = parseArgs({
    allowPositionals: true,
    options: {
      wait: { type: 'boolean' },
      cloud: { type: 'boolean' },
      compare: { type: 'boolean' },
      bigquery: { type: 'string', default: 'private' },
      timeout: { type: 'string', default: '600' },
      rate: { type: 'string', default: '200' },
      duration: { type: 'string', default: '120' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  const [command, ...files] = positionals;
  if (values.help || !['streaming-report', 'run', 'live'].includes(command ?? '')) {
    console.log(USAGE);
    return values.help ? 0 : 2;
  }
  const timeoutMs = Number(values.timeout) * 1000;
  if (!Number.isFinite(timeoutMs) || timeoutMs <= 0) {
    console.error(
      `runner: --timeout must be a positive number of seconds, got '${values.timeout}'`,
    );
    return 2;
  }
  const logger = createLogger({ service: 'runner', level: 'warn', destination: process.stderr });
  const kafka = createKafka({
    brokers: (process.env.KAFKA_BROKERS ?? '127.0.0.1:9092').split(','),
    clientId: 'lakestream-runner',
    logger,
  });
  if ((values.compare || values.bigquery !== 'private') && !values.cloud) {
    console.error('runner run: --compare and --bigquery go with --cloud');
    return 2;
  }
  if (command === 'run')
    return run(files, kafka, timeoutMs, logger, values.cloud ? values : undefined);
  if (command === 'live')
    return live(files, kafka, timeoutMs, logger, Number(values.rate), Number(values.duration));

  const began = Date.now();
  const say = (message: string) => process.stderr.write(`${message}\n`);
  if (values.wait) await waitForCatchUp(kafka, { timeoutMs, say });
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

async function run(
  files: string[],
  kafka: ReturnType<typeof createKafka>,
  timeoutMs: number,
  logger: Logger,
  cloud?: { bigquery: string; compare?: boolean },
): Promise<number> {
  if (files.length === 0) {
    console.error('runner run: give at least one CSV file');
    return 2;
  }
  const databaseUrl = process.env.DATABASE_URL;
  if (!databaseUrl) {
    console.error('runner run: DATABASE_URL is not set (./commands.sh run loads the stack env)');
    return 2;
  }
  const store = openObjectStore(process.env.BRONZE_SINK_STORAGE_URL ?? join(home, 'lake'));
  const say = (message: string) => process.stderr.write(`\u001b[1;34m==>\u001b[0m ${message}\n`);
  // The sinks commands.sh runs in the background; one started otherwise cannot be watched.
  const watch = STREAMING_GROUPS.map((g) => backgroundService(home, g.stage)).filter((s) => {
    if (existsSync(s.pidFile)) return true;
    say(`${s.stage}: no ${s.pidFile} (not started by commands.sh), so not watched`);
    return false;
  });
  const abort = new AbortController();
  const onSignal = (name: NodeJS.Signals) => {
    say(`${name}: stopping the run`);
    abort.abort();
  };
  process.once('SIGINT', onSignal).once('SIGTERM', onSignal);
  const options = {
    files: files.map((f) => resolve(f)),
    root,
    home,
    kafka,
    databaseUrl,
    store,
    warehousePath: process.env.WAREHOUSE_DUCKDB_PATH ?? join(home, 'warehouse.duckdb'),
    env: { ...process.env, LAKESTREAM_HOME: home },
    timeoutMs,
    say,
    signal: abort.signal,
    watch,
    logger,
  };
  if (cloud) {
    const report = await runCloudPipeline({
      ...options,
      bigquery: parseCloudBigquery(cloud.bigquery),
      compare: cloud.compare ?? false,
      summary: true,
    });
    console.log(`\n${formatRunReport(report.run)}`);
    if (report.summary.length > 0) console.log(`\n${report.summary.join('\n')}`);
    if (report.comparisonText) console.log(`\n${report.comparisonText}`);
    return report.ok ? 0 : report.run.interrupted || abort.signal.aborted ? 130 : 1;
  }
  const report = await runPipeline(options);
  console.log(`\n${formatRunReport(report)}`);
  return report.ok ? 0 : report.interrupted ? 130 : 1;
}

async function live(
  files: string[],
  kafka: ReturnType<typeof createKafka>,
  timeoutMs: number,
  logger: Logger,
  rate: number,
  durationSeconds: number,
): Promise<number> {
  if (files.length !== 1) {
    console.error('runner live: give exactly one CSV file');
    return 2;
  }
  if (!(rate > 0) || !(durationSeconds > 0)) {
    console.error('runner live: --rate and --duration must be positive numbers');
    return 2;
  }
  const abort = new AbortController();
  const onSignal = () => abort.abort();
  process.once('SIGINT', onSignal).once('SIGTERM', onSignal);
  const say = (message: string) => process.stderr.write(`\u001b[1;34m==>\u001b[0m ${message}\n`);
  const report = await runLive({
    file: resolve(files[0]!),
    rate,
    durationMs: durationSeconds * 1000,
    root,
    home,
    env: { ...process.env, LAKESTREAM_HOME: home },
    kafka,
    logger,
    timeoutMs,
    say,
    signal: abort.signal,
  });
  console.log(`\n${formatLiveReport(report)}`);
  if (abort.signal.aborted) return 130;
  return report.failure === undefined && report.failedRefreshes === 0 && report.rows > 0 ? 0 : 1;
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
