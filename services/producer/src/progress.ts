/**
 * What the producer tells a person: a live progress bar on a terminal (stderr), and one summary
 * line at the end (always, also when output is a file or a pipe).
 */

/** Counters of a run so far. */
export interface ProgressSnapshot {
  /** Rows read in this run (resume-skipped rows not included). */
  readonly rowsRead: number;
  /** Valid rows acknowledged on the events topic. */
  readonly valid: number;
  /** Invalid rows acknowledged on the dead-letter topic. */
  readonly invalid: number;
  /** Input bytes read, and the total when known, over all inputs. */
  readonly bytesRead: number;
  readonly totalBytes: number | undefined;
  /** Seconds since the run started. */
  readonly seconds: number;
}

/** What the summary line reports. */
export interface RunSummary {
  readonly files: number;
  readonly rowsRead: number;
  readonly valid: number;
  readonly invalid: number;
  /** Rows passed over because a checkpoint said they were already acknowledged. */
  readonly skipped: number;
  readonly seconds: number;
  /** True when a signal stopped the run before the end of its inputs. */
  readonly interrupted: boolean;
}

const n = (value: number) => Math.round(value).toLocaleString('en-US');

/** Rows per second, 0 for an empty or instant run. */
export function rowsPerSecond(rows: number, seconds: number): number {
  return seconds > 0 ? rows / seconds : 0;
}

/** The one-line summary: files, rows read, valid sent, invalid to DLQ, seconds, rows/s. */
export function formatSummary(summary: RunSummary): string {
  const parts = [
    `${n(summary.files)} ${summary.files === 1 ? 'file' : 'files'}`,
    `${n(summary.rowsRead)} rows read`,
    `${n(summary.valid)} valid sent`,
    `${n(summary.invalid)} invalid to DLQ`,
  ];
  if (summary.skipped > 0) parts.push(`${n(summary.skipped)} skipped (already acknowledged)`);
  parts.push(
    `${summary.seconds.toFixed(2)} s`,
    `${n(rowsPerSecond(summary.rowsRead, summary.seconds))} rows/s`,
  );
  return `producer: ${summary.interrupted ? 'interrupted: ' : ''}${parts.join(', ')}`;
}

function clockTime(seconds: number): string {
  const s = Math.max(0, Math.round(seconds));
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  const rest = String(s % 60).padStart(2, '0');
  return h > 0 ? `${h}:${String(m).padStart(2, '0')}:${rest}` : `${m}:${rest}`;
}

const BAR_WIDTH = 24;

/** The progress line for a snapshot (no line end): bar, percent, rows/s, ETA, valid/invalid. */
export function formatProgress(snapshot: ProgressSnapshot): string {
  const { bytesRead, totalBytes, seconds } = snapshot;
  const rate = n(rowsPerSecond(snapshot.rowsRead, seconds));
  const counts = `${n(snapshot.rowsRead)} rows, ${rate} rows/s, valid ${n(snapshot.valid)}, invalid ${n(snapshot.invalid)}`;
  if (totalBytes === undefined || totalBytes === 0) return `producer: ${counts}`;
  const fraction = Math.min(1, bytesRead / totalBytes);
  const filled = Math.round(fraction * BAR_WIDTH);
  const bar = `${'='.repeat(filled)}${' '.repeat(BAR_WIDTH - filled)}`;
  const eta = bytesRead > 0 ? ((totalBytes - bytesRead) * seconds) / bytesRead : Number.NaN;
  const etaText = Number.isFinite(eta) ? clockTime(eta) : '?';
  return `[${bar}] ${(fraction * 100).toFixed(0).padStart(3)}% ${counts}, ETA ${etaText}`;
}

/** Redraws one progress line on a terminal, at most every `intervalMs`. */
export class ProgressLine {
  private lastDraw = 0;
  private drawn = false;

  constructor(
    private readonly out: NodeJS.WritableStream,
    private readonly intervalMs = 200,
  ) {}

  update(snapshot: ProgressSnapshot, force = false): void {
    const now = performance.now();
    if (!force && now - this.lastDraw < this.intervalMs) return;
    this.lastDraw = now;
    this.out.write(`\r\x1b[2K${formatProgress(snapshot)}`);
    this.drawn = true;
  }

  /** Clears the line so the summary starts on a clean one. */
  clear(): void {
    if (this.drawn) this.out.write('\r\x1b[2K');
    this.drawn = false;
  }
}
