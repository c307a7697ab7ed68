/**
 * What a cloud run's BigQuery work cost, as the closing lines of its report: the loader's MERGE
 * jobs (from jobs.list) and dbt's models (from run_results.json). On the emulator the figures are
 * not costs, and the lines say so.
 */
import { readFile } from 'node:fs/promises';

/** What one dbt run on BigQuery cost, from its run_results.json. */
export interface DbtRunCosts {
  /** False when the figures are not costs: the emulator, or no node reported job statistics. */
  readonly available: boolean;
  readonly bytesProcessed: number;
  readonly bytesBilled: number;
  readonly slotMs: number;
  /** Nodes whose adapter_response carried figures. */
  readonly jobs: number;
  /** One line for the run's closing note. */
  readonly summary: string;
}

interface AdapterResponse {
  bytes_processed?: number | null;
  bytes_billed?: number | null;
  slot_ms?: number | null;
}

/** Bytes in binary units, as both cost lines print them. */
function formatBytes(bytes: number): string {
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
  let value = bytes;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit += 1;
  }
  return `${unit === 0 ? value : value.toFixed(2)} ${units[unit]}`;
}

/**
 * Sums bytes processed, bytes billed and slot milliseconds over a dbt run's nodes
 * (`adapter_response` of dbt-bigquery). On the emulator these figures are the size of result rows,
 * or absent for DDL, never a cost: then the summary says "n/a on the emulator".
 */
export function dbtRunCosts(runResults: unknown, options: { emulator: boolean }): DbtRunCosts {
  const results =
    (runResults as { results?: { adapter_response?: AdapterResponse }[] } | null)?.results ?? [];
  let bytesProcessed = 0;
  let bytesBilled = 0;
  let slotMs = 0;
  let jobs = 0;
  for (const { adapter_response: response } of results) {
    if (!response || typeof response.bytes_billed !== 'number') continue;
    jobs += 1;
    bytesProcessed += response.bytes_processed ?? 0;
    bytesBilled += response.bytes_billed;
    slotMs += response.slot_ms ?? 0;
  }
  const zero = { bytesProcessed: 0, bytesBilled: 0, slotMs: 0, jobs: 0 };
  if (options.emulator) {
    return { available: false, ...zero, summary: 'dbt bytes processed: n/a on the emulator' };
  }
  if (jobs === 0) {
    return {
      available: false,
      ...zero,
      summary: 'dbt bytes processed: n/a (run_results.json holds no job statistics)',
    };
  }
  return {
    available: true,
    bytesProcessed,
    bytesBilled,
    slotMs,
    jobs,
    summary: `dbt bytes processed: ${formatBytes(bytesProcessed)}, billed ${formatBytes(bytesBilled)}, ${slotMs.toLocaleString('en-US')} slot-ms over ${jobs} jobs`,
  };
}

/** `dbtRunCosts` of the run_results.json at `path`; "n/a" when the file is missing. */
export async function dbtRunCostsFromFile(
  path: string,
  options: { emulator: boolean },
): Promise<DbtRunCosts> {
  let parsed: unknown = null;
  try {
    parsed = JSON.parse(await readFile(path, 'utf8'));
  } catch {
    // No run_results.json: nothing ran, so nothing was billed; the summary says n/a.
  }
  return dbtRunCosts(parsed, options);
}

/** The closing words on the MERGE jobs' bytes: figures on BigQuery, n/a on the emulator. */
export function mergeCostSummary(
  merges: readonly { bytesProcessed?: number; bytesBilled?: number }[],
  emulator: boolean,
): string {
  if (emulator) return `MERGE bytes processed: n/a on the emulator (${merges.length} MERGE jobs)`;
  const known = merges.filter((m) => m.bytesProcessed !== undefined);
  if (known.length === 0) return `MERGE bytes processed: n/a (no job statistics)`;
  const processed = known.reduce((t, m) => t + (m.bytesProcessed ?? 0), 0);
  const billed = known.reduce((t, m) => t + (m.bytesBilled ?? 0), 0);
  return `MERGE bytes processed: ${formatBytes(processed)}, billed ${formatBytes(billed)} over ${known.length} jobs`;
}
