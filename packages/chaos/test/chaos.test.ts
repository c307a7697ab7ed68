import { join } from 'node:path';
import { lakestreamHome } from '@lakestream/devstack';
import { describe, expect, it } from 'vitest';
import { runChaos } from '../src/chaos-run.js';
import { FAULT_KINDS } from '../src/fault-plan.js';
import { formatChaosReport } from '../src/report.js';

describe('the fault suite, short form', () => {
  it('loses and duplicates nothing in any layer, and gold equals the clean run, under every kind of fault', async () => {
    const lines: string[] = [];
    const report = await runChaos({
      rows: 3_000,
      seed: 7,
      long: false,
      dbtVenv: process.env.LAKESTREAM_DBT_VENV ?? join(lakestreamHome(), 'venv'),
      say: (m) => lines.push(m),
    });
    const table = formatChaosReport(report);
    // The figures in the suite's log too, not only when the test fails.
    process.stdout.write(`${table}\n`);
    // The whole report in the failure message: which layer, which fault, how long.
    expect(report.failures, table).toEqual([]);
    for (const kind of FAULT_KINDS)
      expect(
        report.faults.filter((f) => f.kind === kind).length,
        `${kind}\n${table}`,
      ).toBeGreaterThan(0);
    expect(report.unreachedFaultPoints, table).toEqual([]);
    expect(report.ok, table).toBe(true);
  }, 600_000);
});
