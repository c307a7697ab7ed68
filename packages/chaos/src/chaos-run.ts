import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { REPO_ROOT } from '@lakestream/devstack';
import { createKafka } from '@lakestream/kafka';
import { createStorageClient, openObjectStore } from '@lakestream/object-store';
import { createLogger } from '@lakestream/observability';
import type { Kafka } from 'kafkajs';
import { checkSilver, checkWarehouse, readSilverBatches } from './batch-checks.js';
import { FaultInjector } from './fault-injector.js';
import { type FaultPlan, planFaults } from './fault-plan.js';
import { startFlakyStoreProxy } from './flaky-store-proxy.js';
import { compareWarehouses } from './gold-compare.js';
import { type InputData, prepareInput } from './input-data.js';
import { Pipeline } from './pipeline.js';
import { type PipelineLayout, pipelineLayout } from './pipeline-layout.js';
import { type PrivateStack, startPrivateStack } from './private-stack.js';
import { type ChaosReport, reportPasses } from './report.js';
import { checkAudit, checkBronze, readBronzeManifests, readProduced } from './streaming-checks.js';
import { isWhole, type LayerTally } from './tally.js';

/** Options of `runChaos`. */
export interface ChaosOptions {
  rows: number;
  seed: number;
  /** The long form: more data, more faults, PostgreSQL down 60 s. */
  long: boolean;
  /** The dbt venv to use (dbt/scripts/setup.sh installs it there when missing). */
  dbtVenv: string;
  /** Keep the run's folder (logs, lake, warehouses) instead of removing it. */
  keep?: boolean;
  say: (message: string) => void;
  /** Aborting stops every process of the run and the private stack at once (Ctrl-C). */
  signal?: AbortSignal;
}

const BUCKET = 'lakestream-chaos';
/** How long a service may take to drain on SIGTERM at the end of a run. */
const STOP_GRACE_MS = 45_000;

/**
 * The fault suite: on a private stack, runs the pipeline once cleanly and once while faults are
 * injected, on the same generated data, then checks every layer of the faulted run for loss and
 * duplicates and compares its gold (and silver) tables with the clean run's.
 */
export async function runChaos(options: ChaosOptions): Promise<ChaosReport> {
  const began = Date.now();
  const { say } = options;
  const plan = planFaults(options);
  const root = await mkdtemp(join(tmpdir(), 'lakestream-chaos-'));
  say(`working in ${root} (a private stack: Kafka, PostgreSQL and fake-gcs-server of its own)`);
  const stack = await startPrivateStack(root, (m) => say(`stack: ${m}`));
  const onAbort = () => {
    say('interrupted: stopping the private stack');
    void stack.close({ keepFiles: options.keep ?? false });
  };
  options.signal?.addEventListener('abort', onAbort, { once: true });
  const logger = createLogger({ service: 'chaos', level: 'silent' });
  const kafka = createKafka({
    brokers: stack.env.KAFKA_BROKERS.split(','),
    clientId: 'lakestream-chaos',
    logger,
    overrides: { retry: { initialRetryTime: 100, maxRetryTime: 1_000, retries: 3 } },
  });
  const failures: string[] = [];
  const base = { plan, seed: options.seed, unreachedFaultPoints: [] as string[], failures };
  let chaosRun: Awaited<ReturnType<typeof runPipeline>> | undefined;
  try {
    await createStorageClient({ emulatorHost: stack.env.STORAGE_EMULATOR_HOST })
      .bucket(BUCKET)
      .create();
    const input = await prepareInput(join(root, 'data'), plan.rows, options.seed, plan.parts);
    const context = { root, stack, kafka, input, plan, options };

    say(`clean run: ${plan.rows} rows in ${input.parts.length} parts, no faults`);
    const clean = pipelineLayout(root, 'clean', BUCKET);
    const cleanRun = await runPipeline(context, clean, false);
    failures.push(...cleanRun.failures.map((f) => `clean run: ${f}`));
    const cleanLayers = await checkLayers(kafka, stack, clean, input.rows, root);
    for (const t of cleanLayers.filter((l) => !isWhole(l)))
      failures.push(
        `clean run: ${t.layer} is not whole (${t.problems.join('; ') || 'counts differ'})`,
      );

    say(`faulted run: ${plan.faults.length} planned faults and the armed fault points`);
    const chaos = pipelineLayout(root, 'chaos', BUCKET);
    chaosRun = await runPipeline(context, chaos, true);
    failures.push(...chaosRun.failures);
    say('checking every layer of the faulted run');
    const layers = await checkLayers(kafka, stack, chaos, input.rows, root);
    const { gold, silver } = await compareWarehouses(clean.warehousePath, chaos.warehousePath);
    const report = {
      ...base,
      faults: chaosRun.injector?.injected ?? [],
      unreachedFaultPoints: unreached(plan, chaosRun.pipeline),
      selfExits: chaosRun.pipeline.exits.filter((e) => !e.byUs && !e.faultPoint),
      undrained: chaosRun.undrained,
      layers,
      gold,
      silver,
      seconds: (Date.now() - began) / 1000,
    };
    return { ...report, ok: reportPasses(report) };
  } catch (err) {
    failures.push((err as Error).message);
    const report = {
      ...base,
      faults: chaosRun?.injector?.injected ?? [],
      selfExits: chaosRun?.pipeline.exits.filter((e) => !e.byUs && !e.faultPoint) ?? [],
      undrained: chaosRun?.undrained ?? [],
      layers: [],
      gold: [],
      silver: [],
      seconds: (Date.now() - began) / 1000,
    };
    return { ...report, ok: false };
  } finally {
    options.signal?.removeEventListener('abort', onAbort);
    await stack
      .close({ keepFiles: options.keep ?? false })
      .catch((err: Error) => say(`could not stop or remove the private stack: ${err.message}`));
    if (options.keep)
      say(`kept ${root} (logs/, lake in devstack/gcs, warehouses); its stack is stopped`);
  }
}

interface RunContext {
  root: string;
  stack: PrivateStack;
  kafka: Kafka;
  input: InputData;
  plan: FaultPlan;
  options: ChaosOptions;
}

/** One pipeline run: services up, parts produced (faults placed around them), settle, stop, dbt. */
async function runPipeline(ctx: RunContext, layout: PipelineLayout, faulted: boolean) {
  const { stack, kafka, input, plan, options } = ctx;
  const say = (m: string) => options.say(`[${layout.name}] ${m}`);
  const proxy = faulted ? await startFlakyStoreProxy(stack.env.STORAGE_EMULATOR_HOST) : undefined;
  const pipeline = new Pipeline({
    layout,
    root: REPO_ROOT,
    stack: stack.env,
    storeHost: proxy?.url ?? stack.env.STORAGE_EMULATOR_HOST,
    kafka,
    store: openObjectStore(layout.storageUrl, { emulatorHost: stack.env.STORAGE_EMULATOR_HOST }),
    ...(faulted ? { armed: plan.armed } : {}),
    say,
  });
  const injector = proxy ? new FaultInjector(pipeline, stack, proxy, kafka, say) : undefined;
  const failures: string[] = [];
  let undrained: string[] = [];
  const onAbort = () => void pipeline.stop(1_000);
  options.signal?.addEventListener('abort', onAbort, { once: true });
  try {
    await pipeline.start();
    injector?.start();
    for (const [part, file] of input.parts.entries()) {
      say(`producing part ${part + 1}/${input.parts.length}`);
      injector?.partStarted();
      const during = (injector ? plan.faults : []).filter(
        (f) => f.part === part && !('after' in f),
      );
      await Promise.all([
        pipeline.produce(file, plan.rate),
        ...during.map(async (f) => {
          await sleep('delayMs' in f ? f.delayMs : 0);
          await injector!.inject(f);
        }),
      ]);
      for (const f of injector ? plan.faults : []) {
        if (f.part === part && 'after' in f) await injector!.inject(f);
      }
    }
    say('waiting until every stage holds everything');
    const seconds = await pipeline.settle(faulted ? plan.settleMs : 180_000);
    say(`settled ${seconds.toFixed(1)} s after the last part`);
  } catch (err) {
    failures.push((err as Error).message);
  } finally {
    options.signal?.removeEventListener('abort', onAbort);
    await injector?.stop();
    undrained = await pipeline.stop(STOP_GRACE_MS);
    await proxy?.close();
  }
  if (failures.length === 0 && !options.signal?.aborted) {
    say('dbt build');
    await pipeline.dbtBuild(options.dbtVenv).catch((err: Error) => failures.push(err.message));
  }
  return { pipeline, injector, failures, undrained };
}

/** Every layer of a run against what its topic holds. */
async function checkLayers(
  kafka: Kafka,
  stack: PrivateStack,
  layout: PipelineLayout,
  rows: number,
  root: string,
): Promise<LayerTally[]> {
  const store = openObjectStore(layout.storageUrl, {
    emulatorHost: stack.env.STORAGE_EMULATOR_HOST,
  });
  const { produced, tally: topic } = await readProduced(kafka, layout.topics.orderItems, rows);
  const manifests = await readBronzeManifests(
    kafka,
    layout.topics.bronzeFiles,
    layout.topics.orderItems,
  );
  const batches = await readSilverBatches(store);
  return [
    topic,
    await checkBronze(store, manifests, produced),
    await checkAudit(
      stack.env.DATABASE_URL,
      layout.auditSchema,
      layout.topics.orderItems,
      produced,
    ),
    await checkSilver(store, batches, manifests, produced, join(root, layout.name, 'work')),
    await checkWarehouse(layout.warehousePath, batches, produced),
  ];
}

/** Armed fault points no process was killed at. */
function unreached(plan: FaultPlan, pipeline: Pipeline): string[] {
  const fired = new Set(pipeline.exits.flatMap((e) => (e.faultPoint ? [e.faultPoint] : [])));
  return Object.values(plan.armed)
    .flat()
    .map((p) => p.split('@')[0]!)
    .filter((p) => !fired.has(p));
}
