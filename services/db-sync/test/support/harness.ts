/** What the integration tests share: a config for a database, a logger that keeps its lines, the service. */
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { createKafka } from '@lakestream/kafka';
import { createLogger } from '@lakestream/observability';
import { type DbSyncConfig, loadDbSyncConfig } from '../../src/config.js';
import { ensureDbTopics, startSyncService } from '../../src/sync-service.js';
import { mysqlUrl } from './source.js';

/** A logger whose JSON lines are kept in `lines`. */
export function capturingLogger() {
  const lines: string[] = [];
  const destination = new Writable({
    write(chunk, _encoding, callback) {
      lines.push(String(chunk));
      callback();
    },
  });
  return { logger: createLogger({ service: 'db-sync-test', level: 'debug', destination }), lines };
}

/** A config for `databases` × `tables` in a fresh LAKESTREAM_HOME. */
export function testConfig(
  databases: readonly string[],
  tables: readonly string[],
  env: Record<string, string> = {},
): {
  config: DbSyncConfig;
  /** The variables the config was loaded from, for a db-sync process of the test's own. */
  env: Record<string, string>;
  home: string;
  cleanup: () => void;
} {
  const home = mkdtempSync(join(tmpdir(), 'db-sync-test-'));
  const suffix = randomUUID().slice(0, 8);
  const variables = {
    MYSQL_URL: mysqlUrl(),
    KAFKA_BROKERS: process.env.KAFKA_BROKERS ?? '127.0.0.1:9092',
    LAKESTREAM_HOME: home,
    DB_LIST: databases.join(','),
    TABLE_LIST: tables.join(','),
    DB_SYNC_APPLY_TIMEOUT: '60s',
    // The test's own announcement and confirmation topics: a real loader on the shared stack
    // must never meet these batches, whose records no bronze sink lands.
    DB_SYNC_BATCHES_TOPIC: `test.db-sync.${suffix}.batches`,
    DB_SYNC_APPLIED_TOPIC: `test.db-sync.${suffix}.applied`,
    DB_SYNC_RETRY_BASE: '100ms',
    ...env,
  };
  const config = loadDbSyncConfig({ env: variables });
  return {
    config,
    env: variables,
    home,
    cleanup: () => rmSync(home, { recursive: true, force: true }),
  };
}

/** A started service and a Kafka client of its own for the test's readers. */
export async function service(config: DbSyncConfig) {
  const { logger, lines } = capturingLogger();
  const kafka = createKafka({ brokers: config.kafkaBrokers, clientId: 'db-sync-test', logger });
  const sync = await startSyncService(config, { logger, kafka });
  // The stand-in loader subscribes to the contract topics before the first run creates them.
  await ensureDbTopics(
    kafka,
    config,
    { databases: config.dbList, tables: config.tableList },
    logger,
  );
  const printed: string[] = [];
  return {
    kafka,
    topics: { batches: config.batchesTopic, applied: config.appliedTopic },
    lines,
    printed,
    run: (opts: { full?: boolean; reconcile?: boolean; tables?: string[] } = {}) =>
      sync.run({
        scope: { databases: config.dbList, tables: opts.tables ?? config.tableList },
        full: opts.full ?? false,
        reconcile: opts.reconcile ?? false,
        print: (line) => printed.push(line),
      }),
    close: () => sync.close(),
  };
}
