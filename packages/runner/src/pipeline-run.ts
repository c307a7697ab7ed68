import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { TOPICS } from '@lakestream/kafka';
import type { ObjectStore } from '@lakestream/object-store';
import type { Kafka } from 'kafkajs';
import {
  appliedBatches,
  GOLD_TABLES,
  goldRowCounts,
  readSilverBatches,
  warehouseSilverCounts,
} from './batch-counts.js';
import { type ChildResult, runChild, TS_NODE } from './child-process.js';
import { isAtOrAfter, type PartitionOffsets, topicEndOffsets } from './offsets.js';
import {
  auditRowCountSince,
  readBronzeManifests,
  STREAMING_GROUPS,
  type StageGroup,
  stageLags,
} from './streaming-counts.js';

/** One line of the run's table. */
export interface StageReport {
  stage: string;
  in: number | undefined;
  out: number | undefined;
  rejected: number | undefined;
  seconds: number;
  ok: boolean;
  /** Why it failed, or what else is worth saying (e.g. batches applied). */
  note?: string;
}

/** What `runPipeline` did. */
export interface PipelineRunReport {
  stages: StageReport[];
  seconds: number;
  /** Rows of each silver table in the warehouse after the run. */
  silver: Map<string, number>;
  gold: Map<string, number | null>;
  ok: boolean;
}

/** Options of `runPipeline`. */
export interface PipelineRunOptions {
  files: readonly string[];
  /** The project root (services are started from their sources there). */
  root: string;
  /** `$LAKESTREAM_HOME`: logs go to `<home>/logs/run-<stage>.log`. */
  home: string;
  kafka: Kafka;
  databaseUrl: string;
  /** The object store the sinks and the transformer use. */
  store: ObjectStore;
  warehousePath: string;
  /** Environment of the stage processes (the stack's client variables included). */
  env: NodeJS.ProcessEnv;
  /** Limit for the streaming stages to catch up. */
  timeoutMs: number;
  /** Progress lines for a person. */
  say: (message: string) => void;
  signal?: AbortSignal;
  /** Topic names, when not the contract's (tests); the stage processes get the same through `env`. */
  topics?: { orderItems: string; bronzeFiles: string };
  /** The sinks' consumer groups, when not the services' defaults. */
  groups?: readonly StageGroup[];
  /** Schema of the audit table (AUDIT_SINK_SCHEMA), default `bronze`. */
  auditSchema?: string;
}

/** producer, bronze-sink, audit-sink, transformer, warehouse-loader, dbt build. */
const STAGE_COUNT = 6;

interface ProducerSummary {
  rowsRead: number;
  valid: number;
  invalid: number;
}

/**
 * Streams `files` through every stage on the local stack – producer → Kafka → bronze-sink and
 * audit-sink → transformer → warehouse loader → dbt build – waiting for each to catch up, and
 * checks each stage's counts against the one before. The sinks must already be running (they are
 * long-lived services); the batch stages run once each, as their `run` commands.
 */
export async function runPipeline(options: PipelineRunOptions): Promise<PipelineRunReport> {
  const { kafka, root, home, say } = options;
  const topics = options.topics ?? {
    orderItems: TOPICS.orderItems,
    bronzeFiles: TOPICS.bronzeFiles,
  };
  const groups = options.groups ?? STREAMING_GROUPS;
  const began = performance.now();
  const stages: StageReport[] = [];
  const stage = (report: StageReport) => {
    stages.push(report);
    say(
      `${report.stage}: ${report.ok ? 'done' : 'FAILED'} in ${report.seconds.toFixed(1)} s${report.note ? ` (${report.note})` : ''}`,
    );
    return report.ok;
  };
  const child = (name: string, args: string[], onStderrLine?: (line: string) => void) =>
    runChild(process.execPath, [...TS_NODE, ...args], {
      cwd: root,
      env: { LOG_LEVEL: 'info', ...options.env },
      logFile: join(home, 'logs', `run-${name}.log`),
      ...(options.signal ? { signal: options.signal } : {}),
      ...(onStderrLine ? { onStderrLine } : {}),
    });
  const failure = (result: ChildResult, name: string) =>
    `exit ${result.code ?? result.signal}; see ${join(home, 'logs', `run-${name}.log`)}: ${result.stderrTail.slice(-3).join(' | ')}`;

  const since = await topicEndOffsets(kafka, topics.orderItems);
  const sequenceBefore = (await readSilverBatches(options.store)).at(-1)?.sequence ?? 0;

  // 1. Producer.
  say(`producer: streaming ${options.files.length} file(s) into ${topics.orderItems}`);
  let summary: ProducerSummary | undefined;
  const producer = await child(
    'producer',
    ['services/producer/src/main.ts', ...options.files],
    (line) => {
      if (!line.startsWith('{') || !line.includes('producer finished')) return;
      summary = (JSON.parse(line) as { summary: ProducerSummary }).summary;
    },
  );
  const producerOk = producer.code === 0 && summary !== undefined;
  if (
    !stage({
      stage: 'producer',
      in: summary?.rowsRead,
      out: summary?.valid,
      rejected: summary?.invalid,
      seconds: producer.seconds,
      ok: producerOk,
      ...(producerOk ? {} : { note: failure(producer, 'producer') }),
    })
  )
    return finish();

  // 2. The sinks: wait until each group has committed the end of the topic.
  say('bronze-sink, audit-sink: waiting until both have committed everything');
  const caughtUpAt = await waitForGroups(kafka, groups, options.timeoutMs, began);
  const end = await topicEndOffsets(kafka, topics.orderItems);
  const produced = countBetween(since, end);
  const manifests = (await readBronzeManifests(kafka, topics.bronzeFiles)).filter(
    (m) => m.topic === topics.orderItems,
  );
  const bronzeRecords = manifests
    .filter((m) => isAtOrAfter(since, m.partition, m.first_offset))
    .reduce((sum, m) => sum + m.record_count, 0);
  stage({
    stage: 'bronze-sink',
    in: produced,
    out: bronzeRecords,
    rejected: 0,
    seconds: caughtUpAt.get('bronze-sink') ?? Number.NaN,
    ok: caughtUpAt.has('bronze-sink') && bronzeRecords === produced,
    ...(caughtUpAt.has('bronze-sink') ? {} : { note: 'did not catch up in time' }),
  });
  const auditRows = await auditRowCountSince(
    options.databaseUrl,
    topics.orderItems,
    since,
    options.auditSchema,
  );
  stage({
    stage: 'audit-sink',
    in: produced,
    out: auditRows,
    rejected: produced - auditRows,
    seconds: caughtUpAt.get('audit-sink') ?? Number.NaN,
    ok: caughtUpAt.has('audit-sink') && auditRows === produced,
    ...(caughtUpAt.has('audit-sink') ? {} : { note: 'did not catch up in time' }),
  });
  if (stages.some((s) => !s.ok)) return finish();

  // 3. Transformer: every committed bronze object must end up in a published batch.
  say('transformer: bronze → silver');
  const transformer = await child('transformer', ['services/transformer/src/main.ts', 'run']);
  const batches = await readSilverBatches(options.store);
  const newBatches = batches.filter((b) => b.sequence > sequenceBefore);
  const consumed = new Set(batches.flatMap((b) => b.inputs.map((i) => i.key)));
  const untransformed = manifests.filter((m) => !consumed.has(m.key)).length;
  const sum = (pick: (b: (typeof batches)[number]) => number) =>
    newBatches.reduce((total, b) => total + pick(b), 0);
  if (
    !stage({
      stage: 'transformer',
      in: sum((b) => b.quality.records_in),
      out: sum((b) => b.quality.rows_out),
      rejected: sum((b) => b.quality.rejected),
      seconds: transformer.seconds,
      ok: transformer.code === 0 && untransformed === 0,
      note:
        transformer.code !== 0
          ? failure(transformer, 'transformer')
          : untransformed > 0
            ? `${untransformed} bronze objects not transformed`
            : `${newBatches.length} batch(es), ${sum((b) => b.quality.superseded)} superseded versions`,
    })
  )
    return finish();

  // 4. Warehouse loader: every published batch must be recorded as applied.
  say('warehouse-loader: silver → warehouse');
  const loader = await child('warehouse-loader', ['services/warehouse-loader/src/main.ts', 'run']);
  const applied = await appliedBatches(options.warehousePath);
  const missing = batches.filter((b) => !applied.has(b.batch_id)).length;
  const rows = (b: (typeof batches)[number]) =>
    Object.values(b.tables).reduce((total, t) => total + (t?.rows ?? 0), 0);
  const loadedRows = newBatches
    .filter((b) => applied.has(b.batch_id))
    .reduce((t, b) => t + rows(b), 0);
  if (
    !stage({
      stage: 'warehouse-loader',
      in: newBatches.reduce((t, b) => t + rows(b), 0),
      out: loadedRows,
      rejected: 0,
      seconds: loader.seconds,
      ok: loader.code === 0 && missing === 0,
      note:
        loader.code !== 0
          ? failure(loader, 'warehouse-loader')
          : missing > 0
            ? `${missing} batches not applied`
            : `${newBatches.length} batch(es), rows of every table`,
    })
  )
    return finish();

  // 5. dbt build on the warehouse.
  say('dbt: build (staging → gold, with tests)');
  const dbt = await runChild(join(root, 'dbt', 'scripts', 'dbt.sh'), ['build'], {
    cwd: root,
    env: options.env,
    logFile: join(home, 'logs', 'run-dbt.log'),
    ...(options.signal ? { signal: options.signal } : {}),
  });
  const results = await readDbtResults(join(home, 'dbt', 'target', 'run_results.json'));
  stage({
    stage: 'dbt build',
    in: results?.total,
    out: results?.passed,
    rejected: results?.failed,
    seconds: dbt.seconds,
    ok: dbt.code === 0 && results !== undefined && results.failed === 0,
    note: dbt.code !== 0 ? failure(dbt, 'dbt') : 'nodes: models and tests',
  });
  return finish();

  async function finish(): Promise<PipelineRunReport> {
    const gold = await goldRowCounts(options.warehousePath).catch(
      () => new Map<string, number | null>(GOLD_TABLES.map((t) => [t, null])),
    );
    const silver = await warehouseSilverCounts(options.warehousePath).catch(
      () => new Map<string, number>(),
    );
    const seconds = (performance.now() - began) / 1000;
    const ok = stages.length === STAGE_COUNT && stages.every((s) => s.ok);
    return { stages, seconds, silver, gold, ok };
  }
}

/** Messages between two snapshots of a topic's end offsets. */
function countBetween(since: PartitionOffsets, end: PartitionOffsets): number {
  let total = 0;
  for (const [partition, offset] of end) total += offset - (since.get(partition) ?? 0);
  return total;
}

/** Polls the streaming groups' lag; returns, per stage, the seconds since `began` at which it reached 0. */
async function waitForGroups(
  kafka: Kafka,
  groups: readonly StageGroup[],
  timeoutMs: number,
  began: number,
): Promise<Map<string, number>> {
  const caughtUp = new Map<string, number>();
  const deadline = Date.now() + timeoutMs;
  while (caughtUp.size < groups.length && Date.now() < deadline) {
    for (const lag of await stageLags(kafka, groups)) {
      if (lag.lag === 0 && !caughtUp.has(lag.stage))
        caughtUp.set(lag.stage, (performance.now() - began) / 1000);
    }
    if (caughtUp.size < groups.length) await new Promise((r) => setTimeout(r, 250));
  }
  return caughtUp;
}

interface DbtResults {
  total: number;
  passed: number;
  failed: number;
}

/** Counts of dbt's last run (`target/run_results.json`): passed = success/pass, failed = error/fail. */
async function readDbtResults(path: string): Promise<DbtResults | undefined> {
  try {
    const parsed = JSON.parse(await readFile(path, 'utf8')) as {
      results: { status: string }[];
    };
    const statuses = parsed.results.map((r) => r.status);
    return {
      total: statuses.length,
      passed: statuses.filter((s) => s === 'success' || s === 'pass').length,
      failed: statuses.filter((s) => s === 'error' || s === 'fail').length,
    };
  } catch {
    return undefined;
  }
}

/** The report as a table for a terminal. */
export function formatRunReport(report: PipelineRunReport): string {
  const n = (v: number | undefined) => (v === undefined ? '–' : v.toLocaleString('en'));
  const lines = [
    `${'stage'.padEnd(18)}${'in'.padStart(11)}${'out'.padStart(11)}${'rejected'.padStart(10)}${'time'.padStart(10)}  status`,
  ];
  for (const s of report.stages) {
    lines.push(
      `${s.stage.padEnd(18)}${n(s.in).padStart(11)}${n(s.out).padStart(11)}${n(s.rejected).padStart(10)}${`${s.seconds.toFixed(1)} s`.padStart(10)}  ${s.ok ? 'ok' : 'FAILED'}${s.note ? ` – ${s.note}` : ''}`,
    );
  }
  lines.push(
    '',
    `end to end: ${report.seconds.toFixed(1)} s`,
    '',
    'warehouse silver tables (rows):',
  );
  for (const [table, count] of report.silver)
    lines.push(`  silver.${table.padEnd(22)}${count.toLocaleString('en')}`);
  lines.push('', 'gold tables (rows):');
  for (const [table, count] of report.gold)
    lines.push(
      `  gold.${table.padEnd(24)}${count === null ? 'missing' : count.toLocaleString('en')}`,
    );
  lines.push('', report.ok ? 'every stage succeeded' : 'the run FAILED (see the stages above)');
  return lines.join('\n');
}
