/**
 * The command line: which mode to run. Everything else is configured through the environment
 * (config.ts), so that a container, `commands.sh` and a test set it up the same way.
 */
import { parseArgs } from 'node:util';
import { parseEvery } from '@lakestream/config';

/** The usage text printed by `--help` and after an argument error. */
export const USAGE = `Usage: warehouse-loader run [--every DURATION] | worker | db-worker | documents-worker
       warehouse-loader gcs-load URI_PREFIX SCHEMA.TABLE [--format ndjson]

Applies published silver batches (silver/_batches/<id>.json in the lake) to the warehouse – the
DuckDB file $LAKESTREAM_HOME/warehouse.duckdb by default, or BigQuery – in batch order, each once.
The warehouse records what it holds in silver._lakestream_loads, so a re-run is a no-op.

Modes:
  run                   apply every pending batch, print a one-line summary, exit
  run --every 15m       the same, again every interval, until SIGTERM/SIGINT
  worker                consume lakestream.silver.batches.v1 in a consumer group; on each
                        announcement apply everything pending, then commit
  db-worker             consume lakestream.db.sync-batches.v1 in a consumer group; apply each
                        database sync batch from bronze to src_<database>.<table> (DuckDB), in
                        topic order, confirm it on lakestream.db.sync-applied.v1, then commit
  documents-worker      consume lakestream.bronze.files.v1 in a consumer group; replace each
                        Firestore collection export's snapshot table (firestore_<project>.<collection>)
                        and merge each bronze object of lakestream.quality_reports.v1 into
                        reports.quality_stream, then commit
  gcs-load URI_PREFIX SCHEMA.TABLE
                        replace SCHEMA.TABLE with every JSON-lines object (.json, .jsonl, .ndjson,
                        optionally .gz) under URI_PREFIX (gs://…, file://… or a key prefix in the
                        lake), columns detected from the data; prints the rows and objects loaded

Exit status: 0 done (also when there was nothing to apply), 1 a batch could not be applied
(gap in the sequence, invalid batch, warehouse failure; the message says which), 2 bad arguments
or configuration.

Configuration comes from the environment (WAREHOUSE_TARGET, WAREHOUSE_DUCKDB_PATH,
WAREHOUSE_LOADER_STORAGE_URL, BIGQUERY_PROJECT, …): see the README.`;

/** What the command line asks for. */
export type CliCommand =
  | { readonly kind: 'help' }
  | { readonly kind: 'error'; readonly message: string }
  | { readonly kind: 'run'; readonly everyMs?: number }
  | { readonly kind: 'worker' }
  | { readonly kind: 'db-worker' }
  | { readonly kind: 'documents-worker' }
  | {
      readonly kind: 'gcs-load';
      /** A gs:// or file:// URI, or a key prefix in the lake. */
      readonly prefix: string;
      readonly schema: string;
      readonly table: string;
      readonly format: 'ndjson';
    };

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
  if (mode === 'gcs-load') return gcsLoadArgs(extra, values);
  if (values.format !== undefined) return { kind: 'error', message: '--format goes with gcs-load' };
  if (extra.length > 0) return { kind: 'error', message: `unexpected argument '${extra[0]}'` };
  switch (mode) {
    case undefined:
      return {
        kind: 'error',
        message: 'missing the mode: run, worker, db-worker, documents-worker or gcs-load',
      };
    case 'run': {
      if (values.every === undefined) return { kind: 'run' };
      const every = parseEvery(values.every);
      return 'error' in every ? { kind: 'error', message: every.error } : { kind: 'run', ...every };
    }
    case 'worker':
    case 'db-worker':
    case 'documents-worker':
      if (values.every !== undefined) {
        return { kind: 'error', message: `--every goes with run, not ${mode}` };
      }
      return { kind: mode };
    default:
      return {
        kind: 'error',
        message: `unknown mode '${mode}' (expected run, worker, db-worker, documents-worker or gcs-load)`,
      };
  }
}

/** `gcs-load URI_PREFIX SCHEMA.TABLE [--format ndjson]`. */
function gcsLoadArgs(
  args: readonly string[],
  values: { every?: string | undefined; format?: string | undefined },
): CliCommand {
  const [prefix, target, ...extra] = args;
  if (prefix === undefined || target === undefined) {
    return { kind: 'error', message: 'gcs-load needs URI_PREFIX and SCHEMA.TABLE' };
  }
  if (extra.length > 0) return { kind: 'error', message: `unexpected argument '${extra[0]}'` };
  if (values.every !== undefined) return { kind: 'error', message: '--every goes with run' };
  if (values.format !== undefined && values.format !== 'ndjson') {
    return { kind: 'error', message: `--format: only ndjson is supported, got '${values.format}'` };
  }
  const match = /^([A-Za-z_][A-Za-z0-9_]*)\.([A-Za-z_][A-Za-z0-9_]*)$/.exec(target);
  if (!match) {
    return {
      kind: 'error',
      message: `SCHEMA.TABLE expects two names of letters, digits and _, got '${target}'`,
    };
  }
  return { kind: 'gcs-load', prefix, schema: match[1]!, table: match[2]!, format: 'ndjson' };
}

function parse(argv: readonly string[]) {
  return parseArgs({
    args: [...argv],
    allowPositionals: true,
    strict: true,
    options: {
      every: { type: 'string' },
      format: { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
  });
}
