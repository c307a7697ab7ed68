import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ConfigError } from '@lakestream/config';
import { type DashboardConfig, loadDashboardConfig } from './config.js';
import { DashboardError } from './errors.js';
import { createGoldQueries } from './gold-queries.js';
import { describeSource } from './server.js';
import { formatSummary } from './summary-text.js';
import { openWarehouse } from './warehouse/open-warehouse.js';

const USAGE = `usage: dashboard summary [--json]

  summary   print the gold layer's KPIs (net sales, profit margin, items, customers, latest
            month, flagged customers, late-delivery rate) from the configured warehouse
  --json    print them as one JSON object instead

Exit status: 0 printed; 2 bad configuration; 3 the warehouse cannot be read yet (missing,
locked by the loader or dbt, or the gold tables not built); 64 bad usage.`;

/** Runs the CLI; resolves with the exit status. */
export async function runCli(
  args: readonly string[],
  env: NodeJS.ProcessEnv = process.env,
  out: (line: string) => void = (line) => process.stdout.write(`${line}\n`),
  err: (line: string) => void = (line) => process.stderr.write(`${line}\n`),
): Promise<number> {
  const [command, ...rest] = args;
  if (command === '--help' || command === '-h' || command === 'help') {
    out(USAGE);
    return 0;
  }
  const json = rest.includes('--json');
  if (command !== 'summary' || rest.some((arg) => arg !== '--json')) {
    err(USAGE);
    return 64;
  }
  let config: DashboardConfig;
  try {
    config = loadDashboardConfig(env);
  } catch (error) {
    err(`dashboard: ${error instanceof ConfigError ? error.message : String(error)}`);
    return 2;
  }
  const warehouse = openWarehouse(config);
  try {
    const summary = await createGoldQueries(warehouse).summary();
    if (json) out(JSON.stringify(summary));
    else {
      const source = describeSource({ kind: config.warehouse, location: warehouse.location });
      for (const line of formatSummary(summary, source)) out(line);
    }
    return 0;
  } catch (error) {
    if (error instanceof DashboardError && httpUnavailable(error)) {
      err(`dashboard: ${error.message} [${error.code}]`);
      return 3;
    }
    throw error;
  } finally {
    await warehouse.close();
  }
}

function httpUnavailable(error: DashboardError): boolean {
  return error.code !== 'LS_DASHBOARD_QUERY_FAILED' && error.code !== 'LS_DASHBOARD_NOT_FOUND';
}

// Run only as the entry point, so tests can import runCli.
if (process.argv[1] !== undefined && fileURLToPath(import.meta.url) === resolve(process.argv[1])) {
  process.exitCode = await runCli(process.argv.slice(2));
}
