import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { consumerLag } from '@lakestream/kafka';
import type { ObjectStore } from '@lakestream/object-store';
import { runChild, TS_NODE } from '@lakestream/runner';
import type { Kafka } from 'kafkajs';
import { readSilverBatches, withDuckDb } from './batch-checks.js';
import { ChaosError } from './errors.js';
import {
  consumedTopics,
  type PipelineLayout,
  SERVICES,
  type ServiceKey,
  serviceEnv,
} from './pipeline-layout.js';
import type { StackEnv } from './private-stack.js';
import { readBronzeManifests } from './streaming-checks.js';
import { type ProcessExit, SupervisedProcess } from './supervised-process.js';

/** Options of `Pipeline`. */
export interface PipelineOptions {
  layout: PipelineLayout;
  root: string;
  stack: StackEnv;
  /** STORAGE_EMULATOR_HOST for the services (the flaky proxy in the faulted run). */
  storeHost: string;
  kafka: Kafka;
  /** The lake, read directly (never through the proxy) by the suite's own checks. */
  store: ObjectStore;
  /** Fault points armed per service, one entry per start (see `SupervisedOptions.armed`). */
  armed?: Partial<Record<ServiceKey, string[]>>;
  say: (message: string) => void;
}

const ENTRY: Record<ServiceKey, string[]> = {
  'bronze-sink': ['services/bronze-sink/src/main.ts'],
  'audit-sink': ['services/audit-sink/src/main.ts'],
  transformer: ['services/transformer/src/main.ts', 'worker'],
  'warehouse-loader': ['services/warehouse-loader/src/main.ts', 'worker'],
};

/**
 * One run of the whole pipeline on the private stack: the four long-running services under
 * supervision (started as the runner starts them), the producer run part by part, and the wait
 * until every stage has made everything durable.
 */
export class Pipeline {
  readonly layout: PipelineLayout;
  /** Instances by service; the bronze sink may get a second one (the new owner of a frozen one's partitions). */
  readonly processes = new Map<ServiceKey, SupervisedProcess[]>();
  readonly exits: ProcessExit[] = [];
  #options: PipelineOptions;

  constructor(options: PipelineOptions) {
    this.layout = options.layout;
    this.#options = options;
  }

  /** Starts every service. */
  async start(): Promise<void> {
    await mkdir(join(this.layout.home, 'work', 'transformer'), { recursive: true });
    await mkdir(join(this.layout.home, 'work', 'warehouse-loader'), { recursive: true });
    for (const service of SERVICES) this.addInstance(service);
  }

  /** Starts one more instance of `service` (same group: it shares the partitions). */
  addInstance(service: ServiceKey): SupervisedProcess {
    const list = this.processes.get(service) ?? [];
    const instance = list.length + 1;
    const name = instance === 1 ? service : `${service}#${instance}`;
    const process = new SupervisedProcess({
      name,
      args: [...TS_NODE, ...ENTRY[service]],
      cwd: this.#options.root,
      env: serviceEnv(this.layout, this.#options.stack, this.#options.storeHost, service, instance),
      logFile: join(this.layout.home, 'logs', `${name.replace('#', '-')}.log`),
      ...(instance === 1 && this.#options.armed?.[service]
        ? { armed: this.#options.armed[service] }
        : {}),
      onExit: (exit) => {
        this.exits.push(exit);
        if (!exit.byUs && !exit.faultPoint) {
          this.#options.say(
            `${exit.service} exited by itself (code ${exit.code}, signal ${exit.signal}); restarting it`,
          );
        }
      },
    });
    process.start();
    this.processes.set(service, [...list, process]);
    return process;
  }

  /** Every instance, for faults that pick one. */
  instances(): SupervisedProcess[] {
    return [...this.processes.values()].flat();
  }

  /** Streams one CSV part through the producer; rejects when it fails (the run cannot go on). */
  async produce(file: string, rate: number): Promise<void> {
    const env = serviceEnv(this.layout, this.#options.stack, this.#options.storeHost, 'producer');
    const logFile = join(this.layout.home, 'logs', 'producer.log');
    const { code } = await runChild(
      process.execPath,
      [...TS_NODE, 'services/producer/src/main.ts', '--rate', String(rate), file],
      { cwd: this.#options.root, env, logFile },
    );
    if (code !== 0) {
      throw new ChaosError(
        'LS_CHAOS_STEP_FAILED',
        `the producer failed on ${file} (exit ${code}); see ${logFile}`,
      );
    }
  }

  /**
   * Waits until every stage holds everything: both sinks committed the end of the topic, the
   * transformer put every committed bronze object in a published batch, and the loader applied
   * every published batch. Rejects with the stages still behind after `timeoutMs`.
   */
  async settle(timeoutMs: number): Promise<number> {
    const began = Date.now();
    let behind = 'not checked yet';
    while (Date.now() - began < timeoutMs) {
      behind = await this.#behind().catch((err: Error) => `cannot tell (${err.message})`);
      if (behind === '') return (Date.now() - began) / 1000;
      await sleep(1_000);
    }
    throw new ChaosError(
      'LS_CHAOS_NOT_SETTLED',
      `${layoutTag(this.layout)} not settled after ${timeoutMs / 1000} s: ${behind}`,
    );
  }

  async #behind(): Promise<string> {
    const { kafka, store } = this.#options;
    const lags = await Promise.all(
      consumedTopics(this.layout).map(async ({ group, topic }) => ({
        group,
        lag: (await consumerLag(kafka, group, topic)).reduce((n, p) => n + p.lag, 0),
      })),
    );
    const streaming = lags.slice(0, 2).filter((l) => l.lag > 0);
    if (streaming.length > 0) return streaming.map((l) => `${l.group} ${l.lag} behind`).join(', ');
    const manifests = await readBronzeManifests(
      kafka,
      this.layout.topics.bronzeFiles,
      this.layout.topics.orderItems,
    );
    const batches = await readSilverBatches(store);
    const consumed = new Set(batches.flatMap((b) => b.inputs.map((i) => i.key)));
    const pending = manifests.filter((m) => !consumed.has(m.key)).length;
    if (pending > 0) return `transformer: ${pending} bronze object(s) in no batch yet`;
    const applied = await appliedBatchIds(this.layout.warehousePath);
    if (applied === undefined) return 'warehouse-loader: warehouse busy or not created yet';
    const unapplied = batches.filter((b) => !applied.has(b.batch_id)).length;
    if (unapplied > 0) return `warehouse-loader: ${unapplied} batch(es) not applied yet`;
    return '';
  }

  /** Stops every instance (SIGTERM, drain); the names of those that did not exit within `graceMs`. */
  async stop(graceMs: number): Promise<string[]> {
    const results = await Promise.all(
      this.instances().map(async (p) => ({ name: p.name, ...(await p.stop(graceMs)) })),
    );
    return results.filter((r) => !r.drained).map((r) => r.name);
  }

  /** `dbt build` on the run's warehouse (models and their tests); rejects when it fails. */
  async dbtBuild(venv: string): Promise<void> {
    const logFile = join(this.layout.home, 'logs', 'dbt.log');
    const { code } = await runChild(
      join(this.#options.root, 'dbt', 'scripts', 'dbt.sh'),
      ['build'],
      {
        cwd: this.#options.root,
        env: {
          ...process.env,
          LAKESTREAM_HOME: this.layout.home,
          LAKESTREAM_WAREHOUSE: this.layout.warehousePath,
          LAKESTREAM_DBT_VENV: venv,
          LAKESTREAM_DBT_TARGET: 'duckdb',
          LAKESTREAM_DBT_THREADS: '2',
        },
        logFile,
      },
    );
    if (code !== 0) {
      throw new ChaosError(
        'LS_CHAOS_STEP_FAILED',
        `dbt build failed on ${this.layout.warehousePath} (exit ${code}); see ${logFile}`,
      );
    }
  }
}

function layoutTag(layout: PipelineLayout): string {
  return `[${layout.name}]`;
}

/** Batches the warehouse records as applied; undefined while the file is missing or locked by the loader. */
async function appliedBatchIds(path: string): Promise<Set<string> | undefined> {
  try {
    return await withDuckDb({ w: path }, async (query) => {
      const rows = await query('select batch_id from w.silver._lakestream_loads');
      return new Set(rows.map((r) => String(r.batch_id)));
    });
  } catch {
    return undefined;
  }
}
