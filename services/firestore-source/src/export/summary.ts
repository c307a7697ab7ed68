import type { RunResult } from './export-run.js';

/** The summary printed after a run: one row per table, then the failures' errors. */
export function formatSummary(run: RunResult): string {
  const header = [
    'project',
    'table',
    'status',
    'documents',
    'bytes',
    'columns',
    'seconds',
    'object',
  ];
  const rows = run.tables.map((t) => [
    t.project,
    t.table,
    t.status,
    String(t.documents),
    String(t.bytes),
    String(t.columns),
    t.seconds.toFixed(1),
    t.key ?? '-',
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const line = (cells: readonly string[]) =>
    cells
      .map((c, i) => c.padEnd(widths[i]!))
      .join('  ')
      .trimEnd();
  const lines = [`run ${run.runId} at ${run.readTime}`, line(header), ...rows.map(line)];
  for (const t of run.tables) {
    if (t.error) lines.push(`${t.project}.${t.table}: ${t.error.code}: ${t.error.message}`);
  }
  return lines.join('\n');
}
