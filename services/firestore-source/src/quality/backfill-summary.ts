/** The backfill's closing summary and its progress line. */
import { type BackfillCounts, badTotal } from './backfill-run.js';

/** The summary printed at the end of a run (stdout). */
export function formatBackfillSummary(
  counts: BackfillCounts,
  seconds: number,
  dryRun: boolean,
): string {
  const rate = seconds > 0 ? Math.round(counts.documents / seconds) : counts.documents;
  const lines = [
    `documents read       ${counts.documents}  (${rate} docs/s over ${seconds.toFixed(1)} s)`,
    `reports ${dryRun ? 'to publish ' : 'published  '}  ${counts.published}`,
    `duplicates dropped   ${counts.duplicates}`,
    `skipped (not taken)  ${counts.skipped}`,
    `bad input            ${badTotal(counts)}${dryRun ? '' : ' (quarantined)'}`,
  ];
  for (const [code, tally] of [...counts.bad].sort(([a], [b]) => a.localeCompare(b))) {
    lines.push(`  ${code}  ${tally.count}`);
    for (const where of tally.first) {
      lines.push(
        `    ${where.file}:${where.offset}${where.path ? ` ${where.path}` : ''}  ${where.message}`,
      );
    }
    if (tally.count > tally.first.length)
      lines.push(`    … ${tally.count - tally.first.length} more`);
  }
  lines.push(
    `created_at fallback  ${counts.fallbackCreatedAt ?? 'none (the export gives no time)'}`,
  );
  if (counts.notRemembered > 0) {
    lines.push(
      `past the dedup limit ${counts.notRemembered} reports not remembered (duplicates of them were published; the warehouse MERGE absorbs them)`,
    );
  }
  return lines.join('\n');
}

/** On a terminal: one line, rewritten at most five times a second. */
export function progressLine(stream: NodeJS.WriteStream = process.stderr) {
  if (!stream.isTTY) return undefined;
  let shown = 0;
  const write = (counts: BackfillCounts) =>
    stream.write(
      `\rbackfill: ${counts.documents} documents, ${counts.published} published, ${badTotal(counts)} bad`,
    );
  return {
    update(counts: BackfillCounts) {
      const now = Date.now();
      if (now - shown < 200) return;
      shown = now;
      write(counts);
    },
    end(counts: BackfillCounts) {
      if (shown === 0) return;
      write(counts);
      stream.write('\n');
    },
  };
}
