/**
 * The command line: `run`, `status` or `topics`, with the config file and the run's options.
 * Everything else is configured by the file and the environment (config.ts).
 */
import { parseArgs } from 'node:util';
import { parseEvery } from '@lakestream/config';

/** The usage text printed by `--help` and after an argument error. */
export const USAGE = `Usage: db-sync run [--config FILE] [--full] [--tables t1,t2] [--every 15m] [--reconcile]
       db-sync status [--config FILE]
       db-sync topics [--config FILE]

Syncs MySQL/MariaDB tables (db_list × table_list) to the warehouse through Kafka: each table is
read in one consistent snapshot, its rows published to lakestream.db.<database>.<table>.v1 and
announced on lakestream.db.sync-batches.v1; the state ($LAKESTREAM_HOME/sync_state/<db>.json)
moves only once the warehouse loader confirms the rows durable.

Commands:
  run                 sync every table once, print a summary table, exit
    --full            read every row and replace the warehouse tables
    --tables t1,t2    only these tables (of table_list or not)
    --every 15m       again every interval, until SIGTERM/SIGINT (the tables under way finish)
    --reconcile       then mark rows deleted at the source (tables with a primary key)
  status              the state of every database and table
  topics              create the table topics and print them, one per line

Exit status: 0 all tables synced, 1 some table failed, 2 bad arguments or configuration.`;

/** What the command line asks for. */
export type CliCommand =
  | { readonly kind: 'help' }
  | { readonly kind: 'error'; readonly message: string }
  | {
      readonly kind: 'run';
      readonly configFile?: string;
      readonly full: boolean;
      readonly reconcile: boolean;
      readonly tables?: readonly string[];
      readonly everyMs?: number;
    }
  | { readonly kind: 'status' | 'topics'; readonly configFile?: string };

/** Reads the arguments (without `node` and the script); never throws. */
export function parseCliArgs(argv: readonly string[]): CliCommand {
  let parsed: ReturnType<typeof parse>;
  try {
    parsed = parse(argv);
  } catch (err) {
    return { kind: 'error', message: (err as Error).message };
  }
  const { values, positionals } = parsed;
  if (values.help) return { kind: 'help' };
  const [mode, ...extra] = positionals;
  if (extra.length > 0) return { kind: 'error', message: `unexpected argument '${extra[0]}'` };
  const file = values.config === undefined ? {} : { configFile: values.config };
  if (mode === 'status' || mode === 'topics') {
    const runOnly = (['full', 'reconcile', 'tables', 'every'] as const).find(
      (o) => values[o] !== undefined,
    );
    if (runOnly) return { kind: 'error', message: `--${runOnly} goes with run, not ${mode}` };
    return { kind: mode, ...file };
  }
  if (mode === undefined)
    return { kind: 'error', message: 'missing the command: run, status or topics' };
  if (mode !== 'run') {
    return { kind: 'error', message: `unknown command '${mode}' (expected run, status or topics)` };
  }
  const every = values.every === undefined ? undefined : parseEvery(values.every);
  if (every !== undefined && 'error' in every) return { kind: 'error', message: every.error };
  let tables: string[] | undefined;
  if (values.tables !== undefined) {
    tables = values.tables
      .split(',')
      .map((t) => t.trim())
      .filter((t) => t !== '');
    if (tables.length === 0) return { kind: 'error', message: '--tables expects t1,t2' };
  }
  return {
    kind: 'run',
    ...file,
    full: values.full ?? false,
    reconcile: values.reconcile ?? false,
    ...(tables ? { tables } : {}),
    ...(every === undefined ? {} : { everyMs: every.everyMs }),
  };
}

function parse(argv: readonly string[]) {
  return parseArgs({
    args: [...argv],
    allowPositionals: true,
    strict: true,
    options: {
      config: { type: 'string' },
      full: { type: 'boolean' },
      reconcile: { type: 'boolean' },
      tables: { type: 'string' },
      every: { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
  });
}
