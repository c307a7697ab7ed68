import type { InjectedFault } from './fault-injector.js';
import { FAULT_KINDS, type FaultPlan } from './fault-plan.js';
import { isEqual, type TableComparison } from './gold-compare.js';
import type { ProcessExit } from './supervised-process.js';
import { isWhole, type LayerTally } from './tally.js';

/** What a chaos run found. */
export interface ChaosReport {
  plan: FaultPlan;
  seed: number;
  faults: InjectedFault[];
  /** Fault points armed that the run never reached (the moment did not come, or the point is not in the code). */
  unreachedFaultPoints: string[];
  /** Exits the suite did not cause (a service that gave up by itself and was restarted). */
  selfExits: ProcessExit[];
  /** Services that did not drain within the grace period at the end. */
  undrained: string[];
  layers: LayerTally[];
  gold: TableComparison[];
  silver: TableComparison[];
  /** A step that could not be done (the pipeline did not settle, dbt failed…), in the order met. */
  failures: string[];
  seconds: number;
  ok: boolean;
}

/** Whether a report passes: every layer whole, gold and silver equal to the clean run's, no failure. */
export function reportPasses(r: Omit<ChaosReport, 'ok'>): boolean {
  return (
    r.failures.length === 0 &&
    r.layers.length > 0 &&
    r.layers.every(isWhole) &&
    r.gold.length > 0 &&
    r.gold.every(isEqual) &&
    r.silver.every(isEqual)
  );
}

const n = (v: number) => v.toLocaleString('en');

/** The report as tables for a terminal. */
export function formatChaosReport(r: ChaosReport): string {
  const lines: string[] = [
    `chaos (${r.plan.form}): ${n(r.plan.rows)} rows in ${r.plan.parts} parts, seed ${r.seed}, ${r.seconds.toFixed(0)} s`,
    '',
    `${'fault'.padEnd(28)}${'injected'.padStart(9)}${'recovered'.padStart(11)}${'max recovery'.padStart(14)}`,
  ];
  for (const kind of FAULT_KINDS) {
    const of = r.faults.filter((f) => f.kind === kind);
    const times = of.flatMap((f) => (f.recoveredAfterS === undefined ? [] : [f.recoveredAfterS]));
    const max = times.length ? `${Math.max(...times).toFixed(1)} s` : '–';
    lines.push(
      `${kind.padEnd(28)}${String(of.length).padStart(9)}${String(times.length).padStart(11)}${max.padStart(14)}`,
    );
  }
  lines.push('', 'faults in order:');
  for (const f of r.faults) {
    const rec =
      f.recoveredAfterS === undefined
        ? 'not recovered when the run settled'
        : `recovered in ${f.recoveredAfterS.toFixed(1)} s`;
    lines.push(`  ${f.kind}: ${f.detail} – ${rec}`);
  }
  if (r.unreachedFaultPoints.length > 0)
    lines.push(`  armed but never reached: ${r.unreachedFaultPoints.join(', ')}`);
  for (const e of r.selfExits)
    lines.push(
      `  ${e.service} exited by itself (code ${e.code}, signal ${e.signal}) and was restarted`,
    );
  if (r.undrained.length > 0)
    lines.push(`  did not drain on SIGTERM in time: ${r.undrained.join(', ')}`);

  lines.push(
    '',
    `${'layer'.padEnd(11)}${'expected'.padStart(9)}${'held'.padStart(9)}${'lost'.padStart(7)}${'dup'.padStart(6)}${'lost keys'.padStart(11)}${'dup keys'.padStart(10)}  status`,
  );
  for (const t of r.layers) {
    lines.push(
      `${t.layer.padEnd(11)}${n(t.expected).padStart(9)}${n(t.held).padStart(9)}${n(t.lostOffsets).padStart(7)}${n(t.duplicatedOffsets).padStart(6)}${n(t.lostKeys).padStart(11)}${n(t.duplicatedKeys).padStart(10)}  ${isWhole(t) ? 'ok' : 'FAILED'}`,
    );
    for (const p of t.problems.slice(0, 8)) lines.push(`             ${p}`);
    if (t.problems.length > 8) lines.push(`             … and ${t.problems.length - 8} more`);
  }
  lines.push(
    '',
    `${'table vs the clean run'.padEnd(32)}${'clean'.padStart(8)}${'chaos'.padStart(8)}  status`,
  );
  for (const c of [...r.gold, ...r.silver]) {
    const status = isEqual(c)
      ? 'equal'
      : c.cleanRows < 0 || c.chaosRows < 0
        ? 'MISSING'
        : `DIFFERENT (${c.onlyClean} row(s) only in the clean run, ${c.onlyChaos} only here)`;
    lines.push(
      `${c.table.padEnd(32)}${String(c.cleanRows).padStart(8)}${String(c.chaosRows).padStart(8)}  ${status}`,
    );
  }
  for (const f of r.failures) lines.push('', `FAILED: ${f}`);
  const lost = r.layers.reduce((s, t) => s + t.lostOffsets + t.lostKeys, 0);
  const dup = r.layers.reduce((s, t) => s + t.duplicatedOffsets + t.duplicatedKeys, 0);
  lines.push(
    '',
    r.ok
      ? `every layer holds each record exactly once and gold equals the clean run's (${r.faults.length} faults)`
      : `the chaos run FAILED: ${lost} lost, ${dup} duplicated (positions and keys, all layers), ${r.gold.filter((g) => !isEqual(g)).length} gold table(s) different`,
  );
  return lines.join('\n');
}
