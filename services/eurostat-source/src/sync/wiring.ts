/**
 * The clients a dataset sync uses, opened the same way by `sync` and `worker`: the PostgreSQL pool
 * (the eurostat schema created if missing) and the lake's object store, with the sync settings.
 */
import { openObjectStore } from '@lakestream/object-store';
import type { Logger } from '@lakestream/observability';
import type { EurostatConfig } from '../config.js';
import { loadVersion } from '../load/load-version.js';
import { COMPONENTS, type EurostatMetrics } from '../metrics.js';
import { createPool } from '../pg/pool.js';
import { ensureSchema } from '../pg/schema.js';
import { storageUrlOf } from './bronze.js';
import type { SyncDeps } from './sync-version.js';

/** Opens the pool and the store; `close` ends both (idempotent). */
export async function openSyncDeps(
  config: EurostatConfig,
  logger: Logger,
  metrics: EurostatMetrics,
  service: string,
): Promise<{ deps: Omit<SyncDeps, 'signal'>; close(): Promise<void> }> {
  const pool = createPool(config.databaseUrl, logger, service);
  const store = openObjectStore(storageUrlOf(config), {
    ...(config.storageEmulatorHost === undefined
      ? {}
      : { emulatorHost: config.storageEmulatorHost }),
    retry: {
      onRetry: ({ err, attempt, delayMs }) => {
        metrics.shared.errors.inc({
          component: COMPONENTS.sync,
          code: String((err as { code?: unknown }).code ?? 'unknown'),
        });
        logger.warn({ err, attempt, delayMs }, 'object store call failed; retrying');
      },
    },
  });
  let closing: Promise<void> | undefined;
  const close = () => {
    closing ??= pool.end().catch(() => {});
    return closing;
  };
  try {
    await ensureSchema(pool);
  } catch (err) {
    await close();
    throw err;
  }
  return {
    deps: {
      config,
      pool,
      store,
      logger,
      metrics,
      load: loadVersion,
      maxRowChangeRatio: config.maxRowChangePercent / 100,
    },
    close,
  };
}
