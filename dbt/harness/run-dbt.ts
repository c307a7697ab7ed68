/**
 * Runs the project's dbt (scripts/dbt.sh, from the project-local venv) against a chosen warehouse
 * file, with its artifacts and log in a chosen folder, and reads back run_results.json.
 */
import { spawn } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The dbt/ folder. */
export const DBT_DIR = fileURLToPath(new URL('..', import.meta.url));

/** One node's outcome in run_results.json. */
export interface DbtNodeResult {
  readonly unique_id: string;
  readonly status: string;
  readonly execution_time: number;
  readonly message: string | null;
  readonly failures: number | null;
}

/** What a dbt invocation did. */
export interface DbtRun {
  readonly exitCode: number;
  /** stdout and stderr, interleaved. */
  readonly output: string;
  readonly wallMs: number;
  /** run_results.json of the run, when dbt wrote one. */
  readonly results: readonly DbtNodeResult[];
}

/** Where a run reads and writes. */
export interface DbtRunOptions {
  /** The DuckDB warehouse file (duckdb target). */
  readonly warehouse: string;
  /** Folder for dbt's target/ and logs/. */
  readonly workDir: string;
}

function run(command: string, args: readonly string[], env: NodeJS.ProcessEnv) {
  return new Promise<{ exitCode: number; output: string }>((resolve, reject) => {
    const child = spawn(command, args, { cwd: DBT_DIR, env, stdio: ['ignore', 'pipe', 'pipe'] });
    const chunks: Buffer[] = [];
    child.stdout.on('data', (chunk: Buffer) => chunks.push(chunk));
    child.stderr.on('data', (chunk: Buffer) => chunks.push(chunk));
    child.on('error', reject);
    child.on('close', (code) =>
      resolve({ exitCode: code ?? -1, output: Buffer.concat(chunks).toString('utf8') }),
    );
  });
}

/** Installs dbt into the venv unless it is already there (scripts/setup.sh). */
export async function setupDbt(): Promise<{ exitCode: number; output: string; wallMs: number }> {
  const started = performance.now();
  const result = await run('bash', [join(DBT_DIR, 'scripts/setup.sh')], process.env);
  return { ...result, wallMs: performance.now() - started };
}

/** Runs `dbt <args>` on the duckdb target against `options.warehouse`. */
export async function runDbt(args: readonly string[], options: DbtRunOptions): Promise<DbtRun> {
  const targetPath = join(options.workDir, 'target');
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    LAKESTREAM_WAREHOUSE: options.warehouse,
    LAKESTREAM_DBT_TARGET: 'duckdb',
    DBT_TARGET_PATH: targetPath,
    DBT_LOG_PATH: join(options.workDir, 'logs'),
    DBT_USE_COLORS: 'false',
  };
  const started = performance.now();
  const { exitCode, output } = await run('bash', [join(DBT_DIR, 'scripts/dbt.sh'), ...args], env);
  const wallMs = performance.now() - started;
  let results: DbtNodeResult[] = [];
  try {
    const runResults = JSON.parse(await readFile(join(targetPath, 'run_results.json'), 'utf8'));
    results = runResults.results as DbtNodeResult[];
  } catch {
    // No run_results.json: dbt failed before running anything; the output says why.
  }
  return { exitCode, output, wallMs, results };
}
