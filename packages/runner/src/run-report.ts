import { readFile } from 'node:fs/promises';
import type { PipelineRunReport } from './pipeline-run.js';

/** Counts of a dbt run. */
export interface DbtResults {
  total: number;
  passed: number;
  failed: number;
  /** Nodes by kind: models, data tests, unit tests. */
  models: number;
  tests: number;
  unitTests: number;
}

/** Counts of dbt's last run (`target/run_results.json`): passed = success/pass, failed = error/fail. */
export async function readDbtResults(path: string): Promise<DbtResults | undefined> {
  try {
    const parsed = JSON.parse(await readFile(path, 'utf8')) as {
      results: { status: string; unique_id: string }[];
    };
    const statuses = parsed.results.map((r) => r.status);
    const kind = (prefix: string) =>
      parsed.results.filter((r) => r.unique_id.startsWith(prefix)).length;
    return {
      total: statuses.length,
      passed: statuses.filter((s) => s === 'success' || s === 'pass').length,
      failed: statuses.filter((s) => s === 'error' || s === 'fail').length,
      models: kind('model.'),
      tests: kind('test.'),
      unitTests: kind('unit_test.'),
    };
  } catch {
    return undefined;
  }
}

/** The report as a table for a terminal. */
export function formatRunReport(report: PipelineRunReport): string {
  const n = (v: number | undefined) => (v === undefined ? '–' : v.toLocaleString('en'));
  const lines = [
    `${'stage'.padEnd(18)}${'in'.padStart(11)}${'out'.padStart(11)}${'rejected'.padStart(10)}${'time'.padStart(10)}  status`,
  ];
  for (const s of report.stages) {
    lines.push(
      `${s.stage.padEnd(18)}${n(s.in).padStart(11)}${n(s.out).padStart(11)}${n(s.rejected).padStart(10)}${`${s.seconds.toFixed(1)} s`.padStart(10)}  ${s.ok ? 'ok' : 'FAILED'}${s.note ? ` – ${s.note}` : ''}`,
    );
  }
  lines.push(
    '',
    `end to end: ${report.seconds.toFixed(1)} s`,
    '',
    'warehouse silver tables (rows):',
  );
  for (const [table, count] of report.silver)
    lines.push(`  silver.${table.padEnd(22)}${count.toLocaleString('en')}`);
  lines.push('', `gold tables (rows, ${report.warehouse}):`);
  for (const [table, count] of report.gold)
    lines.push(
      `  gold.${table.padEnd(24)}${count === null ? 'missing' : count.toLocaleString('en')}`,
    );
  if (report.costs.length > 0)
    lines.push('', 'costs of this run:', ...report.costs.map((c) => `  ${c}`));
  lines.push(
    '',
    report.ok
      ? 'every stage succeeded'
      : report.interrupted
        ? 'the run was INTERRUPTED'
        : 'the run FAILED (see the stages above)',
  );
  return lines.join('\n');
}
