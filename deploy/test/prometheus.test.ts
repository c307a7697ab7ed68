import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { loadComposeProject } from '../src/compose.js';
import { lookupMetric, metricCatalog } from '../src/metric-catalog.js';
import { DEPLOY_DIR, DOCKER_DIR, ROOT_DIR } from '../src/paths.js';
import { analyzeExprs, promcheck } from '../src/promql.js';

const PROMETHEUS_DIR = join(DEPLOY_DIR, 'prometheus');
const RULE_FILES = readdirSync(join(PROMETHEUS_DIR, 'rules'))
  .filter((f) => f.endsWith('.yml'))
  .map((f) => join('rules', f));
const SCRIPTS = readdirSync(join(PROMETHEUS_DIR, 'tests'))
  .filter((f) => f.endsWith('.promqltest'))
  .map((f) => join('tests', f));

interface Rule {
  alert?: string;
  record?: string;
  expr: string;
  for?: string;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
}

const rules: Rule[] = RULE_FILES.flatMap((file) => {
  const doc = parse(readFileSync(join(PROMETHEUS_DIR, file), 'utf8')) as {
    groups: Array<{ rules: Rule[] }>;
  };
  return doc.groups.flatMap((g) => g.rules);
});

describe('deploy/prometheus', () => {
  it("rule files parse and validate with Prometheus' own rule parser (as promtool check rules)", async () => {
    const result = await promcheck(['rules', ...RULE_FILES], PROMETHEUS_DIR);
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/SUCCESS/);
  });

  it('each alert fires on synthetic series where it must, and stays quiet where it must not', async () => {
    for (const file of RULE_FILES) {
      const result = await promcheck(['test', file, ...SCRIPTS], PROMETHEUS_DIR);
      const failures = `${result.stdout}${result.stderr}`
        .split('\n')
        .filter((l) => /--- FAIL|Error:|expected|unexpected/.test(l));
      expect(failures).toEqual([]);
      expect(result.code).toBe(0);
      expect(result.stdout).toMatch(/^PASS$/m);
    }
    // Every alert has a scenario.
    const scripts = SCRIPTS.map((f) => readFileSync(join(PROMETHEUS_DIR, f), 'utf8')).join('\n');
    for (const rule of rules.filter((r) => r.alert)) {
      expect(scripts, `a promqltest case for ${rule.alert}`).toContain(`ALERT(${rule.alert})`);
    }
  });

  it('alerts on a growing lag, a dead-letter spike, a failed batch, a stale gold layer, a stale Firestore export, a stuck documents worker and a stale or stuck Eurostat source', () => {
    const names = rules.map((r) => r.alert);
    for (const required of [
      'LakestreamConsumerLagGrowing',
      'LakestreamDeadLetterSpike',
      'LakestreamQuarantineSpike',
      'LakestreamTransformerBatchFailed',
      'LakestreamWarehouseLoadFailing',
      'LakestreamDbtBuildFailed',
      'LakestreamGoldStale',
      'LakestreamFirestoreExportStale',
      'LakestreamDocumentsApplyFailing',
      'LakestreamEurostatCatalogStale',
      'LakestreamEurostatWatchStale',
      'LakestreamEurostatDatasetsBehind',
      'LakestreamEurostatSyncFailing',
    ]) {
      expect(names).toContain(required);
    }
    for (const rule of rules.filter((r) => r.alert)) {
      expect(['warning', 'critical'], rule.alert).toContain(rule.labels?.severity);
      expect(rule.annotations?.summary, rule.alert).toBeDefined();
      expect(rule.annotations?.description, rule.alert).toBeDefined();
    }
  });

  it('reads only metrics a Lakestream process exposes, with component labels the code sets', async () => {
    const catalog = metricCatalog();
    const analyses = await analyzeExprs(rules.map((r) => r.expr));
    for (const analysis of analyses) {
      expect(analysis.error, analysis.expr).toBeUndefined();
      for (const metric of analysis.metrics) {
        expect(lookupMetric(catalog, metric), `${metric} in ${analysis.expr}`).toBeDefined();
      }
    }
    const sources = [
      ...readdirSync(join(ROOT_DIR, 'services')).flatMap((service) => {
        try {
          const dir = join(ROOT_DIR, 'services', service, 'src');
          return readdirSync(dir, { recursive: true })
            .map(String)
            .filter((f) => f.endsWith('.ts'))
            .map((f) => readFileSync(join(dir, f), 'utf8'));
        } catch {
          return [];
        }
      }),
      readFileSync(join(DOCKER_DIR, 'dbt_metrics.py'), 'utf8'),
    ].join('\n');
    for (const rule of rules) {
      for (const match of rule.expr.matchAll(/component(?:=|!=|=~|!~)"([^"]+)"/g)) {
        for (const component of match[1]!.split('|')) {
          expect(sources, `component "${component}" of ${rule.alert}`).toMatch(
            new RegExp(`['"]${component}['"]`),
          );
        }
      }
    }
  });

  describe('prometheus.yml (docker compose)', () => {
    let config: {
      rule_files: string[];
      scrape_configs: Array<{ job_name: string }>;
    };
    beforeAll(() => {
      config = parse(readFileSync(join(PROMETHEUS_DIR, 'prometheus.yml'), 'utf8'));
    });

    it('loads the rule files from where docker-compose.yml mounts them', async () => {
      const project = await loadComposeProject();
      const mounts = project.services.prometheus!.volumes ?? [];
      const rulesMount = mounts.find((v) => v.source === join(PROMETHEUS_DIR, 'rules'));
      expect(rulesMount).toBeDefined();
      expect(config.rule_files).toEqual([`${rulesMount!.target}/*.yml`]);
      const configMount = mounts.find((v) => v.source === join(PROMETHEUS_DIR, 'prometheus.yml'));
      expect(project.services.prometheus!.command).toContain(
        `--config.file=${configMount!.target}`,
      );
    });

    it('has unique job names, and the job LakestreamServiceDown watches', () => {
      const jobs = config.scrape_configs.map((c) => c.job_name);
      expect(new Set(jobs).size).toBe(jobs.length);
      const down = rules.find((r) => r.alert === 'LakestreamServiceDown')!;
      const job = /job="([^"]+)"/.exec(down.expr)![1]!;
      expect(jobs).toContain(job);
      const k8s = parse(readFileSync(join(PROMETHEUS_DIR, 'kubernetes-scrape.yml'), 'utf8')) as {
        scrape_configs: Array<{ job_name: string }>;
      };
      expect(k8s.scrape_configs.map((c) => c.job_name)).toContain(job);
    });
  });
});
