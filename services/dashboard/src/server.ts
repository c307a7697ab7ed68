import type { LakestreamMetrics, Logger } from '@lakestream/observability';
import Fastify, { type FastifyInstance } from 'fastify';
import type { AnswerCache } from './answer-cache.js';
import { DashboardError, errorBodyOf, httpStatusOf } from './errors.js';
import type { GoldQueries } from './gold-queries.js';
import type { BronzeStatus } from './pipeline/bronze-status.js';
import type { LagReport } from './pipeline/consumer-lag.js';
import type { DbtStatus } from './pipeline/dbt-status.js';
import type { SilverStatus } from './pipeline/silver-status.js';
import type { StaticAssets } from './static-assets.js';
import { formatSummary } from './summary-text.js';

/** Where each panel of the pipeline's health comes from; each answers, never throws. */
export interface PipelineSources {
  consumerLag(): Promise<LagReport>;
  bronze(): Promise<BronzeStatus>;
  silver(): Promise<SilverStatus>;
  dbt(): Promise<DbtStatus>;
}

/** What the dashboard server is built from (all of it injected, so tests build it too). */
export interface DashboardServerOptions {
  gold: GoldQueries;
  /** The warehouse's kind and location, shown on the page. */
  warehouse: { kind: 'duckdb' | 'bigquery'; location: string };
  pipeline: PipelineSources;
  assets: StaticAssets;
  cache: AnswerCache;
  /** How often the page reloads its data; 0 for never. */
  refreshMs: number;
  metrics: LakestreamMetrics;
  logger: Logger;
  /** True once shutdown started: /readyz answers 503 from then on. */
  shuttingDown?: () => boolean;
}

const COMPONENT = 'dashboard';

// The page loads only what this server sends: a CDN script or a stray inline one would be refused.
const CONTENT_SECURITY_POLICY = [
  "default-src 'self'",
  "img-src 'self' data:",
  "script-src 'self'",
  "style-src 'self'",
  "connect-src 'self'",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
].join('; ');

/**
 * The dashboard's HTTP server: the page (`/`), its assets, one JSON endpoint per chart and
 * panel under `/api/`, and `/healthz`, `/readyz`, `/metrics` on the same port. Gold endpoints
 * answer 503 `{ error: { code, message, retryable } }` while the warehouse cannot be read
 * (missing, locked, not built); pipeline endpoints always answer 200 with a `state`.
 */
export async function buildDashboardServer(
  options: DashboardServerOptions,
): Promise<FastifyInstance> {
  const { gold, cache, metrics, logger, assets } = options;
  const log = logger.child({ component: COMPONENT });
  const app = Fastify({ logger: false });
  let lastWarehouseError: string | undefined;

  app.setNotFoundHandler((request, reply) => {
    const err = new DashboardError('LS_DASHBOARD_NOT_FOUND', `no such page: ${request.url}`);
    reply.code(404).send(errorBodyOf(err));
  });

  app.setErrorHandler((err, _request, reply) => {
    const status = httpStatusOf(err);
    const body = errorBodyOf(err);
    metrics.errors.inc({ component: COMPONENT, code: body.error.code });
    // 503s repeat on every refresh while the warehouse is away: log when the reason changes.
    if (status >= 500 && body.error.message !== lastWarehouseError) {
      if (status === 503) log.warn({ err }, 'warehouse not usable');
      else log.error({ err }, 'request failed');
    }
    if (status >= 500) lastWarehouseError = body.error.message;
    reply.code(status).header('cache-control', 'no-store').send(body);
  });

  app.addHook('onSend', async (_request, reply) => {
    reply.header('content-security-policy', CONTENT_SECURITY_POLICY);
    reply.header('x-content-type-options', 'nosniff');
  });

  for (const [path, asset] of assets.files) {
    app.get(path, async (_request, reply) => {
      reply.header('content-type', asset.contentType).header('cache-control', 'no-cache');
      return asset.body;
    });
  }

  /** Answers a gold endpoint from the cache, counting successes for the shared metric. */
  const goldAnswer = async <T>(key: string, compute: () => Promise<T>) => {
    const value = await cache.get(key, compute);
    lastWarehouseError = undefined;
    metrics.lastSuccess.set({ component: COMPONENT }, Date.now() / 1000);
    return value;
  };

  app.register(
    async (api) => {
      api.addHook('onSend', async (_request, reply) => {
        reply.header('cache-control', 'no-store');
      });

      api.get('/meta', async () => ({
        warehouse: options.warehouse,
        refresh_ms: options.refreshMs,
        chart_library: assets.chartLibrary,
      }));

      api.get('/summary', async () => {
        const kpis = await goldAnswer('summary', () => gold.summary());
        return { kpis, lines: formatSummary(kpis, describeSource(options.warehouse)) };
      });
      api.get('/gold/performance', async () => ({
        rows: await goldAnswer('performance', () => gold.performance()),
      }));
      api.get('/gold/retention', async () => ({
        rows: await goldAnswer('retention', () => gold.retention()),
      }));
      api.get('/gold/shipping-delays', async () => ({
        rows: await goldAnswer('shipping-delays', () => gold.shippingDelays()),
      }));
      api.get('/gold/commitments', async () => ({
        rows: await goldAnswer('commitments', () => gold.commitments()),
      }));
      api.get('/gold/flagged-customers', async () => ({
        rows: await goldAnswer('flagged-customers', () => gold.flaggedCustomers()),
      }));

      const { pipeline } = options;
      api.get('/pipeline/consumer-lag', () => cache.get('consumer-lag', pipeline.consumerLag));
      api.get('/pipeline/bronze', () => cache.get('bronze', pipeline.bronze));
      api.get('/pipeline/silver', () => cache.get('silver', pipeline.silver));
      api.get('/pipeline/dbt', () => cache.get('dbt', pipeline.dbt));
    },
    { prefix: '/api' },
  );

  app.get('/healthz', async () => ({ status: 'ok' }));
  // Warehouse, Kafka and store problems are shown on the page, not turned into unreadiness: a
  // dashboard taken out of rotation could not tell anyone what is wrong.
  app.get('/readyz', async (_request, reply) => {
    const ready = !(options.shuttingDown?.() ?? false);
    reply.code(ready ? 200 : 503);
    return {
      status: ready ? 'ok' : 'unavailable',
      checks: [
        { name: 'server', ok: ready, ...(ready ? {} : { error: 'shutting down' }), durationMs: 0 },
      ],
    };
  });
  app.get('/metrics', async (_request, reply) => {
    reply.header('content-type', metrics.registry.contentType);
    return metrics.registry.metrics();
  });

  return app;
}

/** `duckdb /path/warehouse.duckdb` or `bigquery project.dataset`. */
export function describeSource(warehouse: { kind: string; location: string }): string {
  return `${warehouse.kind} ${warehouse.location}`;
}
