import { readFile, stat } from 'node:fs/promises';
import { z } from 'zod';

/** The parts of dbt's `run_results.json` the dashboard reads (any dbt 1.x schema version). */
const RunResultsSchema = z.object({
  metadata: z.object({
    dbt_version: z.string().optional(),
    generated_at: z.string(),
    invocation_id: z.string().optional(),
  }),
  results: z.array(
    z.object({
      unique_id: z.string(),
      status: z.string(),
      message: z.string().nullable().optional(),
      execution_time: z.number().optional(),
    }),
  ),
  elapsed_time: z.number(),
  args: z
    .object({ which: z.string().optional(), invocation_command: z.string().optional() })
    .loose()
    .optional(),
});

/** A node of the run that did not succeed. */
export interface DbtProblem {
  unique_id: string;
  status: string;
  message: string | null;
}

/** The last dbt run, as the dbt panel shows it. */
export interface DbtRun {
  /** `error` when a node errored or a test failed, `warn` when a test warned, else `success`. */
  status: 'success' | 'warn' | 'error';
  /** The dbt command (`build`, `run`, `test`…). */
  command: string | null;
  /** When dbt wrote the results (ISO). */
  finished_at: string;
  elapsed_seconds: number;
  dbt_version: string | null;
  /** Nodes per result status (`success`, `pass`, `error`, `fail`, `warn`, `skipped`). */
  counts: Record<string, number>;
  /** Up to ten nodes that errored, failed or warned. */
  problems: DbtProblem[];
}

/** The dbt panel's data. */
export type DbtStatus =
  | { state: 'ok'; path: string; run: DbtRun }
  | { state: 'none'; path: string; reason: string }
  | { state: 'invalid'; path: string; reason: string };

const ERROR_STATUSES = new Set(['error', 'fail', 'runtime error']);
const MAX_PROBLEMS = 10;

/** Reads the last dbt run's results file; never throws. */
export async function readDbtStatus(path: string): Promise<DbtStatus> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    const reason =
      code === 'ENOENT'
        ? 'no dbt run yet (run `dbt build`)'
        : `cannot read it: ${(err as Error).message}`;
    return { state: 'none', path, reason };
  }
  let results: z.infer<typeof RunResultsSchema>;
  try {
    results = RunResultsSchema.parse(JSON.parse(text));
  } catch (err) {
    const issues = (err as { issues?: { path: PropertyKey[]; message: string }[] }).issues;
    const reason = issues?.[0]
      ? `${issues[0].path.map(String).join('.')}: ${issues[0].message}`
      : (err as Error).message;
    return { state: 'invalid', path, reason: `not a dbt run_results.json: ${reason}` };
  }
  const counts: Record<string, number> = {};
  const problems: DbtProblem[] = [];
  for (const result of results.results) {
    counts[result.status] = (counts[result.status] ?? 0) + 1;
    if (result.status !== 'success' && result.status !== 'pass' && result.status !== 'skipped') {
      if (problems.length < MAX_PROBLEMS) {
        problems.push({
          unique_id: result.unique_id,
          status: result.status,
          message: result.message ?? null,
        });
      }
    }
  }
  const statuses = Object.keys(counts);
  const status = statuses.some((s) => ERROR_STATUSES.has(s))
    ? 'error'
    : statuses.includes('warn')
      ? 'warn'
      : 'success';
  // generated_at has no zone in some dbt versions; it is UTC.
  const generated = results.metadata.generated_at;
  const finishedAt = /[zZ]|[+-]\d\d:?\d\d$/.test(generated) ? generated : `${generated}Z`;
  const parsedTime = Date.parse(finishedAt);
  return {
    state: 'ok',
    path,
    run: {
      status,
      command: results.args?.which ?? results.args?.invocation_command ?? null,
      finished_at: Number.isNaN(parsedTime)
        ? (await stat(path)).mtime.toISOString()
        : new Date(parsedTime).toISOString(),
      elapsed_seconds: results.elapsed_time,
      dbt_version: results.metadata.dbt_version ?? null,
      counts,
      problems,
    },
  };
}
