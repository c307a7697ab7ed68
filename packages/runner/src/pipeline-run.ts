import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import { TOPICS } from '@lakestream/kafka';
import type { ObjectStore } from '@lakestream/object-store';
import { createLogger, type Logger } from '@lakestream/observability';
import type { Kafka } from 'kafkajs';
import { GOLD_TABLES, readSilverBatches } from './batch-counts.js';
import { type ChildResult, runChild, stageLogLevel, TS_NODE } from './child-process.js';
import { readDbtResults } from './run-report.js';
import { duckdbWarehouse, type RunWarehouse } from './run-warehouse.js';
import { STREAMING_GROUPS, type StageGroup } from './streaming-counts.js';
import { runStreamingStages, type StageReport, type StreamingOutcome } from './streaming-stages.js';
import type { SupervisionOptions, WatchedService } from './supervision.js';

export type { StageReport } from './streaming-stages.js';

/** What `runPipeline` did. */
export interface PipelineRunReport {
  stages: StageReport[];
  seconds: number;
  /** Rows of each silver table in the warehouse after the run. */
  silver: Map<string, number>;
  gold: Map<string, number | null>;
  ok: boolean;
  /** Where the loader and dbt wrote. */
  warehouse: string;
  /** Bytes processed by the loader's MERGE jobs and the gold models (BigQuery only). */
  costs: string[];
  /** The run was stopped by its abort signal (Ctrl-C, SIGTERM). */
  interrupted: boolean;
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
  /** The warehouse the loader and dbt write; default the DuckDB file at `warehousePath`. */
  warehouse?: RunWarehouse;
  /** dbt's artifacts folder (DBT_TARGET_PATH); default `<home>/dbt/target`. */
  dbtTargetPath?: string;
  /** Environment of the stage processes (the stack's client variables included). */
  env: NodeJS.ProcessEnv;
  /** Limit for the streaming stages to catch up (and for Kafka to answer at the start). */
  timeoutMs: number;
  /** Progress lines for a person. */
  say: (message: string) => void;
  /** Stops the run: every wait ends and the running stage's process gets SIGTERM. */
  signal?: AbortSignal;
  /** Topic names, when not the contract's (tests); the stage processes get the same through `env`. */
  topics?: { orderItems: string; bronzeFiles: string };
  /** The sinks' consumer groups, when not the services' defaults. */
  groups?: readonly StageGroup[];
  /** Schema of the audit table (AUDIT_SINK_SCHEMA), default `bronze`. */
  auditSchema?: string;
  /**
   * The long-lived services the streaming stages depend on (the sinks `commands.sh` started), watched
   * until they have caught up: one that dies or stops answering fails the run at once.
   */
  watch?: readonly WatchedService[];
  /** How closely `watch` is checked (defaults: every 1 s, unresponsive after 20 s). */
  supervision?: Omit<SupervisionOptions, 'services'>;
  /** Time between progress lines while waiting for the sinks; default 5 s. */
  progressMs?: number;
  /** Where Kafka retries at start-up are logged; default silent. */
  logger?: Logger;
}

/** producer, bronze-sink, audit-sink, transformer, warehouse-loader, dbt build. */
const STAGE_ORDER = [
  'producer',
  'bronze-sink',
  'audit-sink',
  'transformer',
  'warehouse-loader',
  'dbt build',
];
const STAGE_COUNT = STAGE_ORDER.length;
/** The table's order, whichever stage finished first (the audit sink runs beside the batch stages). */
const stageRank = (stage: string) => STAGE_ORDER.indexOf(stage);

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
  const startedAt = new Date();
  const warehouse = options.warehouse ?? duckdbWarehouse(options.warehousePath);
  const dbtTargetPath = options.dbtTargetPath ?? join(home, 'dbt', 'target');
  const costs: string[] = [];
  const stages: StageReport[] = [];
  const stage = (report: StageReport) => {
    stages.push(report);
    say(
      `${report.stage}: ${report.ok ? 'done' : 'FAILED'} in ${report.seconds.toFixed(1)} s${report.note ? ` (${report.note})` : ''}`,
    );
    return report.ok;
  };
  const { signal } = options;
  const child = (
    name: string,
    args: string[],
    stopOn: AbortSignal | undefined = signal,
    onStderrLine?: (line: string) => void,
  ) =>
    runChild(process.execPath, [...TS_NODE, ...args], {
      cwd: root,
      env: {
        ...options.env,
        LOG_LEVEL: stageLogLevel(options.env.LOG_LEVEL),
        WAREHOUSE_TARGET: warehouse.target,
      },
      logFile: join(home, 'logs', `run-${name}.log`),
      ...(stopOn ? { signal: stopOn } : {}),
      ...(onStderrLine ? { onStderrLine } : {}),
    });
  // The run stopped by its signal: the stage that was running says so, and nothing runs after it.
  const interrupted = (name: string, result: ChildResult) => {
    stage({
      ...result,
      stage: name,
      in: undefined,
      out: undefined,
      rejected: undefined,
      ok: false,
      note: 'interrupted',
    });
    return finish(true);
  };
  const failure = (result: ChildResult, name: string) =>
    `exit ${result.code ?? result.signal}; see ${join(home, 'logs', `run-${name}.log`)}: ${result.stderrTail.slice(-3).join(' | ')}`;

  const sequenceBefore = (await readSilverBatches(options.store)).at(-1)?.sequence ?? 0;
  const streaming: StreamingOutcome | undefined = await runStreamingStages({
    kafka,
    logger: options.logger ?? createLogger({ service: 'runner', level: 'silent' }),
    files: options.files,
    topics,
    groups,
    databaseUrl: options.databaseUrl,
    auditSchema: options.auditSchema,
    timeoutMs: options.timeoutMs,
    began,
    say,
    signal,
    watch: options.watch ?? [],
    supervision: options.supervision ?? {},
    progressMs: options.progressMs,
    child,
    failure,
    stage,
  });
  if (!streaming.ok) return finish(streaming.interrupted);
  const { manifests } = streaming;

  // 3. Transformer: every committed bronze object must end up in a published batch.
  say('transformer: bronze → silver');
  const transformer = await child('transformer', ['services/transformer/src/main.ts', 'run']);
  if (signal?.aborted) return interrupted('transformer', transformer);
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
  if (signal?.aborted) return interrupted('warehouse-loader', loader);
  const applied = await warehouse.appliedBatches();
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
  if (warehouse.mergeCosts) costs.push(await warehouse.mergeCosts(startedAt));

  // 5. dbt build on the warehouse.
  say(
    `dbt: build --target ${[warehouse.target, ...warehouse.dbtBuildFlags].join(' ')} (staging → gold, with tests)`,
  );
  // A dbt that fails before writing its results must not be reported with a previous run's.
  const runResults = join(dbtTargetPath, 'run_results.json');
  await rm(runResults, { force: true });
  const dbt = await runChild(
    join(root, 'dbt', 'scripts', 'dbt.sh'),
    ['build', '--target', warehouse.target, ...warehouse.dbtBuildFlags],
    {
      cwd: root,
      env: { ...options.env, DBT_TARGET_PATH: dbtTargetPath },
      logFile: join(home, 'logs', 'run-dbt.log'),
      ...(signal ? { signal } : {}),
    },
  );
  if (signal?.aborted) return interrupted('dbt build', dbt);
  const results = await readDbtResults(runResults);
  stage({
    stage: 'dbt build',
    in: results?.total ?? 0,
    out: results?.passed ?? 0,
    rejected: results?.failed ?? 0,
    seconds: dbt.seconds,
    ok: dbt.code === 0 && results !== undefined && results.total > 0 && results.failed === 0,
    note:
      dbt.code !== 0
        ? failure(dbt, 'dbt')
        : `nodes: ${results?.models ?? 0} models, ${results?.tests ?? 0} tests${results?.unitTests ? `, ${results.unitTests} unit tests` : ''}`,
  });
  if (warehouse.dbtCosts) costs.push(await warehouse.dbtCosts(runResults));
  return finish();

  async function finish(wasInterrupted = false): Promise<PipelineRunReport> {
    await streaming?.audit;
    stages.sort((a, b) => stageRank(a.stage) - stageRank(b.stage));
    const gold = await warehouse
      .goldRowCounts()
      .catch(() => new Map<string, number | null>(GOLD_TABLES.map((t) => [t, null])));
    const silver = await warehouse.silverCounts().catch(() => new Map<string, number>());
    const seconds = (performance.now() - began) / 1000;
    const ok = stages.length === STAGE_COUNT && stages.every((s) => s.ok);
    return {
      stages,
      seconds,
      silver,
      gold,
      ok,
      warehouse: warehouse.description,
      costs,
      interrupted: wasInterrupted,
    };
  }
}
