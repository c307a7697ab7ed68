import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { withWarehouse } from './batch-counts.js';
import { runChild, TS_NODE } from './child-process.js';

/** Options of `runLive`. */
export interface LiveRunOptions {
  file: string;
  /** Rows per second the producer replays at. */
  rate: number;
  /** Stop producing after this long (the last micro-batch still runs). */
  durationMs: number;
  root: string;
  home: string;
  warehousePath: string;
  env: NodeJS.ProcessEnv;
  say: (message: string) => void;
  signal?: AbortSignal;
  /**
   * Resolves once bronze holds every record produced (the bronze sink has committed the topic's
   * end). Awaited after the producer stops, before the last micro-batch, so that the rows produced
   * in the last seconds are measured too instead of being left out of the figures. It must end
   * when `signal` aborts (Ctrl-C), as the micro-batch's processes do.
   */
  untilLanded?: () => Promise<void>;
}

/** What the live run measured. */
export interface LiveRunReport {
  cycles: number;
  /** Rows whose freshness was measured (each new fact row seen after a cycle). */
  rows: number;
  /** Seconds from a row's produce (its Kafka timestamp) to the end of the dbt run that put it in gold. */
  medianSeconds: number;
  p95Seconds: number;
  maxSeconds: number;
  failedCycles: number;
}

/**
 * Live mode: the producer replays `file` at `rate` rows/s while the batch stages run in a loop of
 * micro-batches (transformer → loader → dbt run of gold.overall_performance and what it needs).
 * After each cycle, every fact row that is new since the previous cycle became visible in
 * gold.overall_performance when that cycle's dbt run finished; its freshness is that moment minus
 * its Kafka timestamp (the producer's send time). The streaming sinks must be running.
 */
export async function runLive(options: LiveRunOptions): Promise<LiveRunReport> {
  const { say } = options;
  const stopProducing = new AbortController();
  options.signal?.addEventListener('abort', () => stopProducing.abort(), { once: true });
  const child = (name: string, command: string, args: string[], signal?: AbortSignal) =>
    runChild(command, args, {
      cwd: options.root,
      env: { LOG_LEVEL: 'info', ...options.env },
      logFile: join(options.home, 'logs', `live-${name}.log`),
      ...(signal ? { signal } : {}),
    });
  say(
    `producer: replaying ${options.file} at ${options.rate} rows/s for ${options.durationMs / 1000} s`,
  );
  let producing = true;
  const producer = child(
    'producer',
    process.execPath,
    [...TS_NODE, 'services/producer/src/main.ts', '--rate', String(options.rate), options.file],
    stopProducing.signal,
  ).finally(() => {
    producing = false;
  });
  const timer = setTimeout(() => stopProducing.abort(), options.durationMs);

  const seen = await partitionWatermarks(options.warehousePath);
  const freshness: number[] = [];
  let cycles = 0;
  let failedCycles = 0;
  // One more cycle after the producer stops, so its last rows are measured too.
  for (let last = false; !last && !options.signal?.aborted; ) {
    last = !producing;
    if (last) await options.untilLanded?.();
    const began = performance.now();
    const steps: [string, string, string[]][] = [
      ['transformer', process.execPath, [...TS_NODE, 'services/transformer/src/main.ts', 'run']],
      [
        'warehouse-loader',
        process.execPath,
        [...TS_NODE, 'services/warehouse-loader/src/main.ts', 'run'],
      ],
      [
        'dbt',
        join(options.root, 'dbt', 'scripts', 'dbt.sh'),
        ['run', '--select', '+overall_performance'],
      ],
    ];
    let ok = true;
    for (const [name, command, args] of steps) {
      const result = await child(name, command, args, options.signal);
      if (options.signal?.aborted) break;
      if (result.code !== 0) {
        ok = false;
        say(
          `cycle ${cycles + 1}: ${name} failed (exit ${result.code}); see ${join(options.home, 'logs', `live-${name}.log`)}`,
        );
        break;
      }
    }
    // Interrupted: the cycle the signal cut short is neither measured nor counted as failed.
    if (options.signal?.aborted) break;
    const visibleAt = Date.now();
    cycles += 1;
    if (!ok) {
      failedCycles += 1;
      continue;
    }
    const cycleFreshness = (await newRowTimestamps(options.warehousePath, seen))
      .map((ts) => (visibleAt - ts) / 1000)
      .sort((a, b) => a - b);
    for (const seconds of cycleFreshness) freshness.push(seconds);
    say(
      `cycle ${cycles}: ${cycleFreshness.length.toLocaleString('en')} new rows in gold after ${((performance.now() - began) / 1000).toFixed(1)} s` +
        (cycleFreshness.length
          ? `, freshness median ${quantile(cycleFreshness, 0.5).toFixed(1)} s`
          : ''),
    );
  }
  clearTimeout(timer);
  await producer;
  const sorted = freshness.sort((a, b) => a - b);
  return {
    cycles,
    rows: sorted.length,
    medianSeconds: quantile(sorted, 0.5),
    p95Seconds: quantile(sorted, 0.95),
    maxSeconds: sorted.at(-1) ?? Number.NaN,
    failedCycles,
  };
}

/** The q-quantile of ascending values (nearest rank); NaN when empty. */
export function quantile(sorted: readonly number[], q: number): number {
  if (sorted.length === 0) return Number.NaN;
  const rank = Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1));
  return sorted[rank]!;
}

type Watermarks = Map<number, number>;

const query = (path: string, sql: string) => withWarehouse(path, (run) => run(sql));

/** Highest fact offset per partition now in the warehouse (rows up to it are already counted). */
async function partitionWatermarks(path: string): Promise<Watermarks> {
  if (!existsSync(path)) return new Map();
  try {
    const rows = await query(
      path,
      'select kafka_partition as p, max(kafka_offset) as o from silver.fct_order_items group by 1',
    );
    return new Map(rows.map((r) => [Number(r.p), Number(r.o)]));
  } catch {
    return new Map();
  }
}

/**
 * Kafka timestamps (ms) of the fact rows past the watermarks, which it then advances. Offsets of a
 * partition reach the warehouse in order, so a per-partition offset watermark finds each row once.
 */
async function newRowTimestamps(path: string, seen: Watermarks): Promise<number[]> {
  if (!existsSync(path)) return [];
  const floors = [...seen].map(([p, o]) => `(${p}, ${o})`).join(', ');
  const rows = await query(
    path,
    `with w(p, o) as (${floors ? `values ${floors}` : 'select null::bigint, null::bigint where false'})
     select f.kafka_partition as p, f.kafka_offset as o, epoch_ms(f.kafka_timestamp) as ts
       from silver.fct_order_items f left join w on w.p = f.kafka_partition
      where f.kafka_offset > coalesce(w.o, -1)`,
  );
  const timestamps: number[] = [];
  for (const row of rows) {
    const p = Number(row.p);
    const o = Number(row.o);
    if (o > (seen.get(p) ?? -1)) seen.set(p, o);
    timestamps.push(Number(row.ts));
  }
  return timestamps;
}
