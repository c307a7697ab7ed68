import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { loadComposeProject } from '../src/compose.js';
import { lookupMetric, metricCatalog } from '../src/metric-catalog.js';
import { DEPLOY_DIR } from '../src/paths.js';
import { analyzeExprs, substituteGrafanaVariables } from '../src/promql.js';

const GRAFANA_DIR = join(DEPLOY_DIR, 'grafana');
const DASHBOARD_FILES = readdirSync(join(GRAFANA_DIR, 'dashboards')).filter((f) =>
  f.endsWith('.json'),
);

interface Panel {
  id: number;
  type: string;
  title: string;
  gridPos: { x: number; y: number; w: number; h: number };
  datasource?: { type: string; uid: string };
  targets?: Array<{ expr: string; refId: string; datasource?: { uid: string } }>;
}

interface Dashboard {
  uid: string;
  title: string;
  schemaVersion: number;
  panels: Panel[];
  templating: { list: Array<{ name: string; definition?: string; datasource?: { uid: string } }> };
}

const datasources = parse(
  readFileSync(join(GRAFANA_DIR, 'provisioning', 'datasources', 'prometheus.yml'), 'utf8'),
) as { datasources: Array<{ uid: string; type: string; url: string }> };

describe.each(DASHBOARD_FILES)('deploy/grafana/dashboards/%s', (file) => {
  const dashboard = JSON.parse(
    readFileSync(join(GRAFANA_DIR, 'dashboards', file), 'utf8'),
  ) as Dashboard;
  const panels = dashboard.panels.filter((p) => p.type !== 'row');
  const targets = panels.flatMap((p) => (p.targets ?? []).map((t) => ({ panel: p, ...t })));

  it('is a dashboard with a uid, unique panel ids and a layout inside the 24-column grid', () => {
    expect(dashboard.uid).toMatch(/^[a-z0-9-]{1,40}$/);
    expect(dashboard.title).toBeTruthy();
    const ids = dashboard.panels.map((p) => p.id);
    expect(new Set(ids).size).toBe(ids.length);
    const cells = new Set<string>();
    for (const panel of dashboard.panels) {
      const { x, y, w, h } = panel.gridPos;
      expect(x + w, panel.title).toBeLessThanOrEqual(24);
      for (let row = y; row < y + h; row++) {
        for (let col = x; col < x + w; col++) {
          const cell = `${row}:${col}`;
          expect(cells.has(cell), `${panel.title} overlaps another panel at ${cell}`).toBe(false);
          cells.add(cell);
        }
      }
    }
  });

  it('queries the provisioned Prometheus data source', () => {
    const uids = new Set(datasources.datasources.map((d) => d.uid));
    for (const panel of panels) {
      expect(uids.has(panel.datasource?.uid ?? ''), panel.title).toBe(true);
      for (const target of panel.targets ?? []) {
        expect(uids.has(target.datasource?.uid ?? panel.datasource!.uid), panel.title).toBe(true);
      }
    }
    for (const variable of dashboard.templating.list) {
      expect(uids.has(variable.datasource?.uid ?? ''), variable.name).toBe(true);
    }
  });

  it("has PromQL that Prometheus' parser accepts, reading only metrics Lakestream exposes", async () => {
    const catalog = metricCatalog();
    const exprs = [
      ...targets.map((t) => substituteGrafanaVariables(t.expr)),
      // label_values(<metric>, <label>) of the template variables: the metric must exist too.
      ...dashboard.templating.list.flatMap((v) => {
        const match = /label_values\(([a-z_:][a-z0-9_:]*),/.exec(v.definition ?? '');
        return match ? [match[1]!] : [];
      }),
    ];
    const analyses = await analyzeExprs(exprs);
    for (const analysis of analyses) {
      expect(analysis.error, analysis.expr).toBeUndefined();
      expect(analysis.metrics.length, `${analysis.expr} reads a metric`).toBeGreaterThan(0);
      for (const metric of analysis.metrics) {
        expect(lookupMetric(catalog, metric), `${metric} in ${analysis.expr}`).toBeDefined();
      }
    }
  });

  it('shows throughput per stage, consumer lag, dead letters and quarantine, batch durations, data quality, the document sources and the Eurostat source', async () => {
    const analyses = await analyzeExprs(targets.map((t) => substituteGrafanaVariables(t.expr)));
    const read = new Set(analyses.flatMap((a) => a.metrics));
    for (const metric of [
      'lakestream_component_received_events_total',
      'lakestream_component_sent_events_total',
      'lakestream_consumer_lag_messages',
      'lakestream_component_discarded_events_total',
      'lakestream_component_errors_total',
      'lakestream_batch_duration_seconds_bucket',
      'lakestream_transformer_quality_checks_total',
      'lakestream_dbt_results',
      'lakestream_last_success_timestamp_seconds',
    ]) {
      expect(read, metric).toContain(metric);
    }
    const quarantine = targets.find(
      (t) =>
        t.expr.includes('discarded_events_total') && t.expr.includes('component="transformer"'),
    );
    const deadLetters = targets.find(
      (t) =>
        t.expr.includes('discarded_events_total') && t.expr.includes('component!="transformer"'),
    );
    expect(quarantine, 'a quarantine panel').toBeDefined();
    expect(deadLetters, 'a dead-letter panel').toBeDefined();
    // The document sources: how old the Firestore snapshots are, and the documents worker's errors.
    const exportAge = targets.find(
      (t) =>
        t.expr.includes('lakestream_last_success_timestamp_seconds') &&
        t.expr.includes('component="firestore_export"'),
    );
    const documentsErrors = targets.find(
      (t) =>
        t.expr.includes('lakestream_component_errors_total') &&
        t.expr.includes('app="warehouse-loader-documents"'),
    );
    expect(exportAge, 'a Firestore export age panel').toBeDefined();
    expect(documentsErrors, 'a documents worker errors panel').toBeDefined();
    // The Eurostat source: the watch's age, the datasets behind, the worker's errors, downloads.
    const eurostatAge = targets.find(
      (t) =>
        t.expr.includes('lakestream_last_success_timestamp_seconds') &&
        t.expr.includes('component="eurostat_watch"'),
    );
    const eurostatErrors = targets.find(
      (t) =>
        t.expr.includes('lakestream_component_errors_total') && t.expr.includes('eurostat_sync'),
    );
    expect(eurostatAge, 'a Eurostat watch age panel').toBeDefined();
    expect(eurostatErrors, 'a Eurostat sync worker errors panel').toBeDefined();
    for (const metric of [
      'lakestream_eurostat_datasets_behind',
      'lakestream_eurostat_updates_announced_total',
      'lakestream_eurostat_download_seconds_bucket',
    ]) {
      expect(read, metric).toContain(metric);
    }
  });
});

describe('deploy/grafana/provisioning', () => {
  it("points Grafana at docker compose's Prometheus and at the folder the dashboards are mounted on", async () => {
    const project = await loadComposeProject();
    const prometheus = datasources.datasources.find((d) => d.type === 'prometheus')!;
    const url = new URL(prometheus.url);
    expect(project.services[url.hostname], `compose service ${url.hostname}`).toBeDefined();
    expect(project.services[url.hostname]!.command?.join(' ') ?? '').not.toContain(
      'web.listen-address',
    );
    expect(url.port).toBe('9090');
    const providers = parse(
      readFileSync(join(GRAFANA_DIR, 'provisioning', 'dashboards', 'lakestream.yml'), 'utf8'),
    ) as { providers: Array<{ options: { path: string } }> };
    const mount = project.services.grafana!.volumes!.find(
      (v) => v.source === join(GRAFANA_DIR, 'dashboards'),
    );
    expect(providers.providers[0]!.options.path).toBe(mount!.target);
  });
});
