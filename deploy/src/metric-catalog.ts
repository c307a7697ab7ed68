import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { METRIC_NAMES } from '@lakestream/observability';
import { DOCKER_DIR, ROOT_DIR } from './paths.js';

/** Where a metric name comes from. */
export interface MetricOrigin {
  name: string;
  /** `METRIC_NAMES`, `services/<name>/src/<file>`, `docker/dbt_metrics.py` or `prometheus`. */
  source: string;
  /** Histograms also expose `<name>_bucket`, `_sum` and `_count`. */
  histogram: boolean;
}

// The shared histograms of packages/observability (createMetrics).
const SHARED_HISTOGRAMS = new Set<string>([
  METRIC_NAMES.batchSize,
  METRIC_NAMES.batchDuration,
  METRIC_NAMES.commitDuration,
]);

function sourceFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((entry) => {
    const path = join(dir, entry);
    if (statSync(path).isDirectory()) return sourceFiles(path);
    return path.endsWith('.ts') ? [path] : [];
  });
}

/**
 * Every metric a Lakestream process can expose: the shared METRIC_NAMES, the series services
 * register themselves (`new Counter|Gauge|Histogram({ name: 'lakestream_…' })` in
 * services/<name>/src), the dbt loop's (docker/dbt_metrics.py), and Prometheus' own `up`.
 */
export function metricCatalog(): Map<string, MetricOrigin> {
  const catalog = new Map<string, MetricOrigin>();
  for (const name of Object.values(METRIC_NAMES)) {
    catalog.set(name, { name, source: 'METRIC_NAMES', histogram: SHARED_HISTOGRAMS.has(name) });
  }
  const servicesDir = join(ROOT_DIR, 'services');
  for (const service of readdirSync(servicesDir)) {
    const src = join(servicesDir, service, 'src');
    let files: string[];
    try {
      files = sourceFiles(src);
    } catch {
      continue;
    }
    for (const file of files) {
      const text = readFileSync(file, 'utf8');
      for (const match of text.matchAll(
        /new (Counter|Gauge|Histogram|Summary)(?:<[^>]*>)?\(\{\s*name:\s*'(lakestream_[a-z0-9_]+)'/g,
      )) {
        const name = match[2]!;
        catalog.set(name, {
          name,
          source: file.slice(ROOT_DIR.length + 1),
          histogram: match[1] === 'Histogram',
        });
      }
    }
  }
  const dbtMetrics = readFileSync(join(DOCKER_DIR, 'dbt_metrics.py'), 'utf8');
  for (const match of dbtMetrics.matchAll(/metric\("(lakestream_[a-z0-9_]+)"/g)) {
    catalog.set(match[1]!, { name: match[1]!, source: 'docker/dbt_metrics.py', histogram: false });
  }
  catalog.set('up', { name: 'up', source: 'prometheus', histogram: false });
  return catalog;
}

/** The catalog entry a series name belongs to (`x_bucket` → histogram `x`), if any. */
export function lookupMetric(
  catalog: ReadonlyMap<string, MetricOrigin>,
  series: string,
): MetricOrigin | undefined {
  const direct = catalog.get(series);
  if (direct) return direct;
  const match = /^(.*)_(bucket|sum|count)$/.exec(series);
  const base = match ? catalog.get(match[1]!) : undefined;
  return base?.histogram ? base : undefined;
}
