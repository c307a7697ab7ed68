/** The command line of `firestore-source export`; everything else is configured by the file and the environment. */
import { parseArgs } from 'node:util';
import { parseEvery } from '@lakestream/config';

/** The usage text printed by `--help` and after an argument error. */
export const USAGE = `Usage: firestore-source export [--profile NAME] [--config FILE] [--run-id ID] [--no-wait] [--every 24h]

Exports the profile's collections of each project at one read time to the lake as gzip NDJSON
(bronze/firestore/<project>/<collection>/dt=YYYY-MM-DD/<run id>.jsonl.gz), announces each object
on lakestream.bronze.files.v1, and waits until the warehouse loader has replaced each snapshot.

Options:
  --profile NAME   the config file's profile (default FIRESTORE_EXPORT_PROFILE, else dev)
  --config FILE    JSON config: {"profiles": {"dev": {"projects": [...], "collections": [...]}}, ...}
  --run-id ID      the run's id (default made from the read time); a run id already in the lake
                   is announced again without reading Firestore
  --no-wait        publish the manifests without waiting for the loader
  --every 24h      again every interval, until SIGTERM/SIGINT (the collection under way finishes)

Exit status: 0 every collection exported, 1 some collection failed, 2 bad arguments or configuration.`;

/** What the command line asks for. */
export type ExportCommand =
  | { readonly kind: 'help' }
  | { readonly kind: 'error'; readonly message: string }
  | {
      readonly kind: 'run';
      readonly profile?: string;
      readonly configFile?: string;
      readonly runId?: string;
      readonly noWait: boolean;
      readonly everyMs?: number;
    };

const RUN_ID = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,127}$/;

/** Reads the arguments after `export`; never throws. */
export function parseExportArgs(argv: readonly string[]): ExportCommand {
  let values: ReturnType<typeof parse>['values'];
  try {
    const parsed = parse(argv);
    if (parsed.positionals.length > 0) {
      return { kind: 'error', message: `unexpected argument '${parsed.positionals[0]}'` };
    }
    values = parsed.values;
  } catch (err) {
    return { kind: 'error', message: (err as Error).message };
  }
  if (values.help) return { kind: 'help' };
  if (values['run-id'] !== undefined && !RUN_ID.test(values['run-id'])) {
    return {
      kind: 'error',
      message: `--run-id expects letters, digits, '_', '.' or '-', got '${values['run-id']}'`,
    };
  }
  if (values['run-id'] !== undefined && values.every !== undefined) {
    return { kind: 'error', message: '--run-id names one run: it does not go with --every' };
  }
  const every = values.every === undefined ? undefined : parseEvery(values.every);
  if (every !== undefined && 'error' in every) return { kind: 'error', message: every.error };
  return {
    kind: 'run',
    ...(values.profile === undefined ? {} : { profile: values.profile }),
    ...(values.config === undefined ? {} : { configFile: values.config }),
    ...(values['run-id'] === undefined ? {} : { runId: values['run-id'] }),
    noWait: values['no-wait'] ?? false,
    ...(every === undefined ? {} : { everyMs: every.everyMs }),
  };
}

function parse(argv: readonly string[]) {
  return parseArgs({
    args: [...argv],
    allowPositionals: true,
    strict: true,
    options: {
      profile: { type: 'string' },
      config: { type: 'string' },
      'run-id': { type: 'string' },
      'no-wait': { type: 'boolean' },
      every: { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
  });
}
