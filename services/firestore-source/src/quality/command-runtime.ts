/**
 * What `backfill` and `quality-events` share around their work: the command line's help and
 * usage errors, the configuration, the runtime (logs, metrics, health, signals), the Kafka
 * producer, `--wait`, and the shutdown order: the work stops and flushes what it handed the
 * producer → the producer closes. One place, so both commands exit and shut down alike.
 */
import {
  createServiceRuntime,
  loadServiceConfig,
  logFileOrStderr,
  type ServiceRuntime,
} from '@lakestream/observability';
import { loadQualityConfig, type QualityConfig } from './config.js';
import { openQualityKafka, type QualityKafka } from './kafka-wiring.js';
import { waitForPublishedReports } from './wait-command.js';

/** A command line read by a command's parser. */
export type ParsedCommand<C> = { kind: 'help' } | { kind: 'error'; message: string } | C;

/** What a command's work is handed. */
export interface QualityCommandContext<C> {
  command: C;
  config: QualityConfig;
  runtime: ServiceRuntime;
  /** Creates the topics and connects the producer, closed at shutdown. */
  openKafka(topics: Parameters<typeof openQualityKafka>[1]): Promise<QualityKafka>;
  /** `--wait`: until the bronze sink and the documents loader have applied `topic` as it ends now. */
  waitApplied(kafka: QualityKafka, topic: string): Promise<void>;
}

/** How one quality command runs. */
export interface QualityCommandSpec<C> {
  service: string;
  usage: string;
  parse(argv: readonly string[]): ParsedCommand<C>;
  /** The command as logged at start (e.g. a compiled glob as its text). */
  describe?(command: C): unknown;
  /** The shutdown step that lets the work finish. */
  finishStep: string;
  /** Logged when the work throws. */
  failure: string;
  /** The work; resolves with the exit status. */
  work(context: QualityCommandContext<C>): Promise<number>;
}

/** Runs a quality command; resolves with the exit status (2 for usage or configuration errors). */
export async function runQualityCommand<C extends { kind: 'run' }>(
  argv: readonly string[],
  spec: QualityCommandSpec<C>,
): Promise<number> {
  const command = spec.parse(argv);
  if (command.kind === 'help') {
    process.stdout.write(`${spec.usage}\n`);
    return 0;
  }
  if (command.kind === 'error') {
    process.stderr.write(`${spec.service}: ${command.message}\n(see --help)\n`);
    return 2;
  }
  const config = loadServiceConfig(spec.service, () => loadQualityConfig());
  const runtime = createServiceRuntime({
    service: spec.service,
    config,
    logDestination: logFileOrStderr(process.env.FIRESTORE_SOURCE_LOG_FILE),
    oneShot: true,
  });
  const { logger, shutdown } = runtime;
  logger.info({ config, command: spec.describe?.(command) ?? command }, 'starting');
  await runtime.serveHealth({});

  let kafka: QualityKafka | undefined;
  let exitCode = 1;
  const run = spec
    .work({
      command,
      config,
      runtime,
      openKafka: async (topics) => {
        kafka = await openQualityKafka(config, topics, logger, runtime.signal);
        return kafka;
      },
      waitApplied: async (opened, topic) => {
        process.stderr.write(
          `${spec.service}: waiting for the bronze sink and the loader to apply the reports\n`,
        );
        await waitForPublishedReports(opened.kafka, config, topic, runtime.signal);
        process.stdout.write('applied by the warehouse loader\n');
      },
    })
    .then(
      (code) => {
        exitCode = code;
      },
      (err: unknown) => {
        exitCode = 1;
        logger.error({ err }, spec.failure);
        process.stderr.write(`${spec.service}: ${(err as Error).message}\n`);
      },
    );
  shutdown.add(spec.finishStep, () => run);
  shutdown.add('close the Kafka producer', () => kafka?.close());
  await run;
  const closed = await shutdown.run(exitCode === 0 ? 'done' : 'failed');
  return exitCode === 0 ? closed.exitCode : exitCode;
}
