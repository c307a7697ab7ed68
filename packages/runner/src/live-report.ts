import type { LiveRunReport } from './live-run.js';

const s = (seconds: number) => (Number.isNaN(seconds) ? '–' : `${seconds.toFixed(1)} s`);

/** The live run's closing lines: freshness, where the time went per stage, and any failure. */
export function formatLiveReport(report: LiveRunReport): string {
  const lines = [
    `live: ${report.refreshes} gold refreshes (${report.failedRefreshes} failed), ${report.rows.toLocaleString('en')} rows measured` +
      (report.produced === undefined ? '' : ` of ${report.produced.toLocaleString('en')} produced`),
    `freshness (produce → visible in gold.overall_performance): median ${s(report.medianSeconds)}, p95 ${s(report.p95Seconds)}, max ${s(report.maxSeconds)}`,
  ];
  if (report.stages.length > 0) {
    const rows = [
      ['stage', 'since produce: median', 'p95', 'this stage: median', 'p95'],
      ...report.stages.map((st) => [
        st.stage + (st.unplaced > 0 ? ` (${st.unplaced} rows unplaced)` : ''),
        s(st.median),
        s(st.p95),
        s(st.stepMedian),
        s(st.stepP95),
      ]),
    ];
    const widths = rows[0]!.map((_, c) => Math.max(...rows.map((r) => r[c]!.length)));
    for (const row of rows)
      lines.push(
        row
          .map((cell, c) => (c === 0 ? cell.padEnd(widths[c]!) : cell.padStart(widths[c]!)))
          .join('  '),
      );
  }
  if (report.failure !== undefined) lines.push(`live: FAILED: ${report.failure}`);
  return lines.join('\n');
}
